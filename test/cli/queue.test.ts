import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { queueCommand } from '../../src/cli/queue.js';
import { newQueueId } from '../../src/core/queue-id.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import { SpoolStore } from '../../src/spool/spool-store.js';
import { openDatabase } from '../../src/store/database.js';
import { runCommand, useConfigFile } from '../helpers/run-command.js';

const dataDir = useConfigFile('cli-queue', 'spool:\n  fsync: false\n');

/** Runs `portcullis queue ARGS` in-process and returns what it printed on stdout. */
async function run(...args: string[]): Promise<string[]> {
  return runCommand(queueCommand(), args);
}

async function seed(): Promise<string> {
  const db = await openDatabase({ dataDir: dataDir() });
  const spool = await SpoolStore.open(join(dataDir(), 'spool'), { fsync: false });
  const queueId = newQueueId();
  const w = spool.createWriter(queueId);
  await w.receive((async function* () {
    yield Buffer.from('Subject: s\r\n\r\nb\r\n');
  })());
  await w.commit({
    version: 1,
    envelope: { queueId, clientAddress: '127.0.0.1', clientPort: 1, helo: 'h', mailFrom: 'a@example.net', rcptTo: ['b@example.org'], direction: 'inbound', receivedAt: 1, size: 17 },
    prependHeaders: '',
    verdict: { action: 'accept', score: 0, rule: 'r', findings: [] },
    recipients: [{ address: 'b@example.org', disposition: 'deliver' }],
  });
  await db
    .insertInto('recipient_state')
    .values({ queue_id: queueId, recipient: 'b@example.org', status: 'deferred', mail_from: 'a@example.net', received_at: 1, attempts: 2, next_attempt_at: Date.now() + 60_000, first_attempt_at: 1, last_reply: '451 busy', next_hop: 'smtp:x:25', updated_at: 1 })
    .execute();
  await db.destroy();
  return queueId;
}

describe('portcullis queue', () => {
  it('lists, retries and deletes, with audit records for the changes', async () => {
    const id = await seed();
    const listed = (await run('list', '--json')).map((l) => JSON.parse(l) as { queueId: string; recipients: { status: string }[] });
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.queueId, id);
    assert.equal(listed[0]?.recipients[0]?.status, 'deferred');
    assert.match((await run('list')).join('\n'), new RegExp(`${id}[\\s\\S]*deferred +<b@example\\.org>  attempts 2`));

    assert.deepEqual(await run('retry', id), ['1 recipient(s) due for delivery now']);
    assert.deepEqual(await run('delete', id), [`${id}: 1 recipient(s) deleted`]);
    assert.deepEqual(await run('list'), ['the queue is empty']);

    const db = await openDatabase({ dataDir: dataDir() });
    try {
      const actions = (await new AuditLog(db).list()).map((r) => `${r.action} ${r.target}`);
      assert.deepEqual(actions, [`queue.retry ${id}`, `queue.delete ${id}`]);
    } finally {
      await db.destroy();
    }
    assert.deepEqual(await (await SpoolStore.open(join(dataDir(), 'spool'), { fsync: false, recover: false })).listCommitted(), []);
  });
});
