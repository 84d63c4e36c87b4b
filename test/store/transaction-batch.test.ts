import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type Database } from '../../src/store/database.js';
import { TransactionBatch } from '../../src/store/transaction-batch.js';

let dir: string;
let db: Database;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-batch-'));
  db = await openDatabase({ dataDir: dir });
});
after(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function row(queueId: string, recipient: string) {
  const now = Date.now();
  return { queue_id: queueId, recipient, status: 'queued' as const, mail_from: 'a@example.net', received_at: now, attempts: 0, next_attempt_at: now, first_attempt_at: null, last_reply: null, next_hop: null, updated_at: now };
}

async function recipientsOf(queueId: string): Promise<string[]> {
  const rows = await db.selectFrom('recipient_state').select('recipient').where('queue_id', '=', queueId).orderBy('recipient').execute();
  return rows.map((r) => r.recipient);
}

test('work queued in one turn commits together, in order', async () => {
  const batch = new TransactionBatch(db);
  const order: string[] = [];
  await Promise.all(
    ['x@example.org', 'y@example.org', 'z@example.org'].map((recipient) =>
      batch.run(async (trx) => {
        order.push(recipient);
        await trx.insertInto('recipient_state').values(row('Q-ORDER', recipient)).execute();
      }),
    ),
  );
  assert.deepEqual(order, ['x@example.org', 'y@example.org', 'z@example.org']);
  assert.deepEqual(await recipientsOf('Q-ORDER'), ['x@example.org', 'y@example.org', 'z@example.org']);
});

test('a failure rolls back its whole batch and rejects every caller; the next batch is independent', async () => {
  const batch = new TransactionBatch(db);
  const good = batch.run(async (trx) => {
    await trx.insertInto('recipient_state').values(row('Q-FAIL', 'a@example.org')).execute();
  });
  const bad = batch.run(async () => {
    throw new Error('disk on fire');
  });
  await assert.rejects(good, /disk on fire/);
  await assert.rejects(bad, /disk on fire/);
  assert.deepEqual(await recipientsOf('Q-FAIL'), [], 'the first item shared the failed transaction');
  await batch.run(async (trx) => {
    await trx.insertInto('recipient_state').values(row('Q-FAIL', 'b@example.org')).execute();
  });
  assert.deepEqual(await recipientsOf('Q-FAIL'), ['b@example.org']);
});
