import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTime, trackCommand } from '../../src/cli/track.js';
import { createLogger } from '../../src/observe/logger.js';
import { TrackingLog } from '../../src/observe/tracking.js';
import type { MessageSummary } from '../../src/observe/tracking-event.js';
import { openDatabase } from '../../src/store/database.js';
import { runCommand, useDataDir } from '../helpers/run-command.js';

const HOUR = 3_600_000;

function summary(queueId: string, receivedAt: number, mailFrom: string, rcptTo: string[]): MessageSummary {
  return {
    queueId, receivedAt, node: 'n1', direction: 'inbound', clientAddress: '198.51.100.4', helo: 'client.test', mailFrom, rcptTo,
    subject: `subject ${queueId}`, size: 100, action: 'accept', score: 0, rule: 'default', findings: [],
  };
}

describe('portcullis track', () => {
  let dir: string;
  let restore: () => void;
  const now = Date.now();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-track-'));
    restore = useDataDir(dir);
    const db = await openDatabase({ dataDir: dir });
    const tracking = new TrackingLog(db, { logger: createLogger({ level: 'silent' }) });
    tracking.message(summary('OLD1', now - 3 * 24 * HOUR, 'alice@sender.test', ['bob@example.org']));
    tracking.message(summary('NEW1', now - HOUR / 2, 'alice@sender.test', ['carol@example.org']));
    tracking.message(summary('NEW2', now - HOUR / 4, 'eve@evil.test', ['bob@example.org']));
    tracking.event({ queueId: 'NEW2', kind: 'delivered', recipient: 'bob@example.org', detail: '250 2.0.0 ok' });
    await tracking.close();
    await db.destroy();
  });
  after(async () => {
    restore();
    await rm(dir, { recursive: true, force: true });
  });

  const ids = async (...args: string[]): Promise<string[]> =>
    (await runCommand(trackCommand(), ['--json', ...args])).map((l) => (JSON.parse(l) as { queueId: string }).queueId);

  it('filters by sender, recipient, id and time', async () => {
    assert.deepEqual(await ids('--from', 'alice@sender.test'), ['NEW1', 'OLD1']);
    assert.deepEqual(await ids('--to', 'bob@example.org'), ['NEW2', 'OLD1']);
    assert.deepEqual(await ids('--id', 'NEW1'), ['NEW1']);
    assert.deepEqual(await ids('--since', '1h'), ['NEW2', 'NEW1']);
    assert.deepEqual(await ids('--until', '2d'), ['OLD1']);
    assert.deepEqual(await ids('--since', '1h', '--limit', '1'), ['NEW2']);
    assert.deepEqual(await ids('--since', new Date(now - 20 * 60_000).toISOString()), ['NEW2']);
  });

  it('prints a readable table with events', async () => {
    const lines = await runCommand(trackCommand(), ['--id', 'NEW2']);
    assert.match(lines[0] ?? '', /NEW2\s+ACCEPT .*from <eve@evil\.test> to <bob@example\.org>/);
    assert.ok(lines.some((l) => /delivered\s+<bob@example\.org>\s+250 2\.0\.0 ok/.test(l)), lines.join('\n'));
    assert.deepEqual(await runCommand(trackCommand(), ['--from', 'nobody@nowhere.test']), ['no matching messages']);
  });

  it('parses times and refuses nonsense', () => {
    assert.equal(parseTime('2d', 10 * 24 * HOUR), 8 * 24 * HOUR);
    assert.equal(parseTime('30m', HOUR), HOUR / 2);
    assert.equal(parseTime('2024-05-01T00:00:00Z'), Date.UTC(2024, 4, 1));
    assert.throws(() => parseTime('yesterday'));
    assert.throws(() => parseTime('5'));
  });
});
