import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { emptyReport } from '../../../src/scan/content-inspection.js';
import { inspectOle } from '../../../src/scan/office/ole-document.js';
import { inspectRtf } from '../../../src/scan/office/rtf-document.js';
import { oleWithVba } from './office-samples.js';

const base = oleWithVba({ Module1: 'Sub AutoOpen()\r\nShell "x"\r\nEnd Sub\r\n' });

test('property: mutated OLE files always give a result, never an exception', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }), (mutations) => {
      const bytes = Buffer.from(base);
      for (const [at, value] of mutations) bytes[at] = value;
      const report = emptyReport();
      inspectOle(bytes, 'm.doc', report);
      for (const f of report.findings) assert.match(f.id, /^(OFFICE_|SCAN_LIMIT_)/);
    }),
    { numRuns: 1500 },
  );
});

test('property: random bytes behind an OLE signature, and random RTF, never throw', () => {
  const signature = Buffer.from('d0cf11e0a1b11ae1', 'hex');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 504, maxLength: 3000 }), fc.string({ maxLength: 400 }), (data, rtfTail) => {
      inspectOle(Buffer.concat([signature, data]), 'r.doc', emptyReport());
      inspectRtf(Buffer.from(`{\\rtf1{\\object\\objdata ${rtfTail}`, 'latin1'), 'r.rtf', emptyReport());
    }),
    { numRuns: 1500 },
  );
});

test('a stream whose mini FAT chain loops is reported as unreadable; the rest of the file is still inspected', () => {
  const bytes = oleWithVba({ Module1: `Sub AutoOpen()\r\n${"' padding the module past one mini sector\r\n".repeat(4)}End Sub\r\n` });
  const needle = Buffer.concat([Buffer.from('Module1', 'utf16le'), Buffer.alloc(2)]);
  let entry = bytes.indexOf(needle);
  while (entry % 128 !== 0) entry = bytes.indexOf(needle, entry + 1);
  const miniSector = bytes.readUInt32LE(entry + 116);
  const miniFat = bytes.readUInt32LE(60);
  bytes.writeUInt32LE(miniSector, (miniFat + 1) * 512 + miniSector * 4);
  const report = emptyReport();
  inspectOle(bytes, 'loop.doc', report);
  assert.ok(report.findings.some((f) => f.id === 'OFFICE_VBA_MACRO'), 'the project is still found');
  const malformed = report.findings.find((f) => f.id === 'OFFICE_OLE_MALFORMED');
  assert.match(malformed?.detail ?? '', /macros\/vba\/module1 \(chain-loop\)/);
});
