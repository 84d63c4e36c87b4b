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
