import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

describe('createLogger on a file descriptor (buffered)', () => {
  const loggerModule = new URL('../../src/observe/logger.js', import.meta.url).href;
  /** Runs `body` in a child process with `logger` on its stdout; returns stdout. */
  function child(body: string): string {
    const script = `import { writeSync } from 'node:fs'; const { createLogger } = await import(${JSON.stringify(loggerModule)}); const logger = createLogger({ level: 'info' }); ${body}`;
    return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  }

  it('writes a lone line within the flush interval, before later output', () => {
    const out = child(`logger.info('first'); setTimeout(() => writeSync(1, 'MARK\\n'), 600);`);
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 2, out);
    assert.equal((JSON.parse(lines[0] ?? '') as { msg: string }).msg, 'first');
    assert.equal(lines[1], 'MARK');
  });

  it('loses no buffered line at exit, normal or by an uncaught exception', () => {
    const out = child(`for (let i = 0; i < 300; i++) logger.info({ i }, 'line'); process.exit(0);`);
    assert.equal(out.trim().split('\n').length, 300);
    let thrown = '';
    try {
      child(`for (let i = 0; i < 50; i++) logger.info({ i }, 'line'); throw new Error('boom');`);
    } catch (err) {
      thrown = String((err as { stdout?: string }).stdout ?? '');
    }
    assert.equal(thrown.trim().split('\n').length, 50);
  });
});
