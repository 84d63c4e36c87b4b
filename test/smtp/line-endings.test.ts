import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import fc from 'fast-check';
import { LineEndingNormalizer } from '../../src/smtp/line-endings.js';

async function normalize(chunks: readonly Buffer[]): Promise<{ out: string; stats: LineEndingNormalizer['stats'] }> {
  const normalizer = new LineEndingNormalizer();
  const out = await buffer(Readable.from(chunks).pipe(normalizer));
  return { out: out.toString('latin1'), stats: normalizer.stats };
}

test('clean CRLF text passes unchanged', async () => {
  const { out, stats } = await normalize([Buffer.from('a: b\r\n\r\nhello\r\n')]);
  assert.equal(out, 'a: b\r\n\r\nhello\r\n');
  assert.deepEqual(stats, { bareLineEndings: 0, nulBytes: 0 });
});

test('bare LF, bare CR and NUL are normalised, also across chunk boundaries', async () => {
  const { out, stats } = await normalize([Buffer.from('x\n.\ny\r'), Buffer.from('.\rz\r'), Buffer.from('\n\0.\r\n')]);
  assert.equal(out, 'x\r\n.\r\ny\r\n.\r\nz\r\n.\r\n');
  assert.equal(stats.bareLineEndings, 4);
  assert.equal(stats.nulBytes, 1);
});

test('a CR at the very end becomes CRLF', async () => {
  assert.equal((await normalize([Buffer.from('end\r')])).out, 'end\r\n');
});

test('property: output has no bare CR, bare LF or NUL, and CRLF-only input is unchanged', async () => {
  const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a.map((b) => [0x0d, 0x0a, 0x00, 0x2e, 0x41][b % 5] as number)));
  await fc.assert(
    fc.asyncProperty(fc.array(bytes, { maxLength: 5 }), async (chunks) => {
      const { out } = await normalize(chunks);
      assert.ok(!/\r(?!\n)|(?<!\r)\n|\0/.test(out), JSON.stringify(out));
      const input = Buffer.concat(chunks).toString('latin1');
      if (!/\r(?!\n)|(?<!\r)\n|\0/.test(input)) assert.equal(out, input);
    }),
    { numRuns: 2000 },
  );
});
