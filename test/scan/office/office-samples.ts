/**
 * Test helper: Office samples built at run time: MS-OVBA containers (literal-only chunks, which
 * the format allows), a VBA dir stream, OLE files written with cfb, OOXML packages written as zip
 * by cfb, RTF with \objdata.
 */
import CFB from 'cfb';
import type { AnalyzerContext, ScannedFile } from '../../../src/scan/analyzer.js';
import { createHash } from 'node:crypto';
import { contextFor, crlf } from '../analyzer-context.js';

/** A compressed container whose chunks hold only literal tokens (at most 3640 bytes per chunk). */
export function compressLiteral(data: Uint8Array): Uint8Array {
  const out: number[] = [0x01];
  for (let start = 0; start < data.length; start += 3640) {
    const chunk = data.subarray(start, start + 3640);
    const body: number[] = [];
    for (let i = 0; i < chunk.length; i += 8) body.push(0x00, ...chunk.subarray(i, i + 8));
    const header = (body.length + 2 - 3) | 0x3000 | 0x8000;
    out.push(header & 0xff, header >> 8, ...body);
  }
  return Uint8Array.from(out);
}

function record(id: number, data: Uint8Array | string): number[] {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const size = id === 0x0009 ? 4 : bytes.length;
  return [id & 0xff, id >> 8, size & 0xff, (size >> 8) & 0xff, 0, 0, ...bytes];
}

export function dirStream(modules: readonly string[]): Uint8Array {
  const bytes: number[] = [...record(0x0009, new Uint8Array(6))];
  for (const name of modules) {
    bytes.push(...record(0x0019, name), ...record(0x001a, name), ...record(0x0032, Buffer.from(name, 'utf16le')), ...record(0x0031, new Uint8Array(4)), ...record(0x002b, new Uint8Array(0)));
  }
  return compressLiteral(Uint8Array.from(bytes));
}

/** An OLE file with a VBA project in `storage` holding the given modules. */
export function oleWithVba(modules: Readonly<Record<string, string>>, storage = 'Macros/VBA'): Buffer {
  const cfb = CFB.utils.cfb_new();
  CFB.utils.cfb_add(cfb, `/${storage}/_VBA_PROJECT`, Buffer.from([0xcc, 0x61, 0xff, 0xff, 0x00]));
  CFB.utils.cfb_add(cfb, `/${storage}/dir`, Buffer.from(dirStream(Object.keys(modules))));
  for (const [name, source] of Object.entries(modules)) CFB.utils.cfb_add(cfb, `/${storage}/${name}`, Buffer.from(compressLiteral(Buffer.from(source, 'latin1'))));
  CFB.utils.cfb_add(cfb, '/WordDocument', Buffer.alloc(600));
  return Buffer.from(CFB.write(cfb, { type: 'buffer' }) as Uint8Array);
}

/** A zip (written by cfb's zip writer) with the given parts. */
export function zipOf(parts: Readonly<Record<string, string | Uint8Array>>): Buffer {
  const cfb = CFB.utils.cfb_new();
  for (const [name, content] of Object.entries(parts)) CFB.utils.cfb_add(cfb, `/${name}`, Buffer.from(content));
  CFB.utils.cfb_del(cfb, '/\u0001Sh33tJ5');
  return Buffer.from(CFB.write(cfb, { fileType: 'zip', type: 'buffer' }) as Uint8Array);
}

export const CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>';

/** A context whose files are the given ones (no message parsing needed). */
export function contextWithFiles(files: ReadonlyArray<{ name: string; content: Uint8Array; declaredType?: string }>): AnalyzerContext {
  const ctx = contextFor(crlf('Subject: t', '', 'x'));
  ctx.facts.files.push(...files.map((f): ScannedFile => ({ name: f.name, container: [], content: f.content, sha256: createHash('sha256').update(f.content).digest('hex'), ...(f.declaredType ? { declaredType: f.declaredType } : {}) })));
  return ctx;
}
