import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/observe/logger.js';

describe('createLogger', () => {
  it('writes JSON lines and censors secrets and message content', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      { queueId: 'Q1', auth: { user: 'alice', pass: 'hunter2-secret' }, password: 'top-secret-pw', headers: { authorization: 'Bearer abc.def' }, body: 'Dear Bob, the wire details' },
      'received',
    );
    logger.debug({ queueId: 'Q2' }, 'below the level');
    assert.equal(lines.length, 1);
    const line = lines[0] ?? '';
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.msg, 'received');
    assert.equal(record.level, 'info');
    assert.equal(record.queueId, 'Q1');
    assert.deepEqual(record.auth, { user: 'alice', pass: '[redacted]' });
    for (const secret of ['hunter2-secret', 'top-secret-pw', 'Bearer abc.def', 'wire details']) assert.ok(!line.includes(secret), secret);
  });
});
