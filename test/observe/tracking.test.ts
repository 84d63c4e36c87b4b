import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/observe/logger.js';
import { TrackingLog } from '../../src/observe/tracking.js';
import type { MessageSummary } from '../../src/observe/tracking-event.js';
import { openDatabase, type Database } from '../../src/store/database.js';

function summary(queueId: string, overrides: Partial<MessageSummary> = {}): MessageSummary {
  return {
    queueId,
    receivedAt: 1_700_000_000_000,
    node: 'node-a',
    direction: 'inbound',
    clientAddress: '192.0.2.7',
    clientHostname: 'mail.sender.test',
    helo: 'mail.sender.test',
    tls: 'TLSv1.3 TLS_AES_256_GCM_SHA384',
    mailFrom: 'Alice@Sender.test',
    rcptTo: ['bob@example.org'],
    messageId: `<${queueId}@sender.test>`,
    subject: 'Quarterly report',
    fromHeader: 'Alice <alice@sender.test>',
    size: 2048,
    action: 'accept',
    score: 1.5,
    rule: 'default',
    findings: [{ id: 'HEADER_MISSING_DATE', score: 1.5, detail: 'no Date header' }],
    attachments: [{ name: 'report.pdf', type: 'application/pdf', sha256: 'a'.repeat(64), size: 1000 }],
    ...overrides,
  };
}

function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('TrackingLog', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({ dataDir: ':memory:' });
  });
  after(async () => {
    await db.destroy();
  });

  it('batches writes: nothing reaches the database until the flush interval or the batch size', async () => {
    const tracking = new TrackingLog(db, { logger: captureLogger().logger, flushIntervalMs: 60_000, maxBatch: 5 });
    tracking.event({ queueId: 'Q-BATCH', kind: 'received' });
    tracking.event({ queueId: 'Q-BATCH', kind: 'scanned', detail: 'score 0' });
    const count = async (): Promise<number> =>
      Number((await db.selectFrom('tracking_event').select((eb) => eb.fn.countAll().as('n')).where('queue_id', '=', 'Q-BATCH').executeTakeFirstOrThrow()).n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await count(), 0, 'still queued in memory');
    for (let i = 0; i < 3; i++) tracking.event({ queueId: 'Q-BATCH', kind: 'deferred', recipient: `r${i}@example.org` });
    // The fifth row triggers a flush of the whole batch in one transaction.
    await tracking.flush();
    assert.equal(await count(), 5);
    await tracking.close();
  });

  it('flushes on its timer', async () => {
    const tracking = new TrackingLog(db, { logger: captureLogger().logger, flushIntervalMs: 10 });
    tracking.event({ queueId: 'Q-TIMER', kind: 'received' });
    await new Promise((resolve) => setTimeout(resolve, 80));
    const rows = await db.selectFrom('tracking_event').selectAll().where('queue_id', '=', 'Q-TIMER').execute();
    assert.equal(rows.length, 1);
    await tracking.close();
  });

  it('searches by sender, recipient, queue id and time, with events in order', async () => {
    const tracking = new TrackingLog(db, { logger: captureLogger().logger });
    tracking.message(summary('Q1', { receivedAt: 1000, rcptTo: ['Bob@Example.org', 'carol@example.org'] }));
    tracking.message(summary('Q2', { receivedAt: 2000, mailFrom: 'eve@evil.test', rcptTo: ['bob@example.org'], action: 'reject' }));
    tracking.message(summary('Q3', { receivedAt: 3000, mailFrom: 'alice@sender.test', rcptTo: ['dave@other.test'] }));
    tracking.event({ queueId: 'Q1', kind: 'received', at: 1000 });
    tracking.event({ queueId: 'Q1', kind: 'delivered', at: 1500, recipient: 'bob@example.org', detail: '250 ok' });
    tracking.event({ queueId: 'Q1', kind: 'scanned', at: 1200, detail: 'accept' });
    await tracking.flush();

    const ids = async (filter: Parameters<TrackingLog['search']>[0]): Promise<string[]> => (await tracking.search(filter)).map((m) => m.queueId);
    assert.deepEqual(await ids({ sender: 'alice@sender.test' }), ['Q3', 'Q1']);
    assert.deepEqual(await ids({ sender: 'ALICE@SENDER.TEST' }), ['Q3', 'Q1']);
    assert.deepEqual(await ids({ sender: '@evil.test' }), ['Q2']);
    assert.deepEqual(await ids({ recipient: 'bob@example.org' }), ['Q2', 'Q1']);
    assert.deepEqual(await ids({ recipient: 'carol@example.org' }), ['Q1']);
    assert.deepEqual(await ids({ recipient: '@other.test' }), ['Q3']);
    assert.deepEqual(await ids({ recipient: '@example.org', sender: 'eve@evil.test' }), ['Q2']);
    assert.deepEqual(await ids({ queueId: 'Q2' }), ['Q2']);
    assert.deepEqual(await ids({ since: 1500, until: 3000 }), ['Q2']);
    assert.deepEqual(await ids({ since: 0, limit: 1 }), ['Q3']);
    assert.deepEqual(await ids({ sender: 'nobody@nowhere.test' }), []);
    // A LIKE wildcard in the filter is matched literally.
    assert.deepEqual(await ids({ sender: '@%' }), []);

    const [q1] = await tracking.search({ queueId: 'Q1' });
    assert.deepEqual(q1?.events.map((e) => e.kind), ['received', 'scanned', 'delivered']);
    assert.equal(q1?.events[2]?.detail, '250 ok');
    assert.deepEqual(q1?.message?.rcptTo, ['Bob@Example.org', 'carol@example.org']);
    assert.equal(q1?.message?.clientAddress, '192.0.2.7');
    assert.equal(q1?.message?.attachments?.[0]?.name, 'report.pdf');
    assert.equal(q1?.message?.findings[0]?.id, 'HEADER_MISSING_DATE');
    await tracking.close();
  });

  it('returns the events of a queue id that has no summary', async () => {
    const tracking = new TrackingLog(db, { logger: captureLogger().logger });
    tracking.event({ queueId: 'Q-ONLY-EVENTS', kind: 'tempfailed', detail: 'scanner busy' });
    await tracking.flush();
    const found = await tracking.search({ queueId: 'Q-ONLY-EVENTS' });
    assert.equal(found.length, 1);
    assert.equal(found[0]?.message, undefined);
    assert.equal(found[0]?.events[0]?.kind, 'tempfailed');
    await tracking.close();
  });

  it('logs a write failure instead of throwing into the caller', async () => {
    const broken = await openDatabase({ dataDir: ':memory:' });
    const { logger, lines } = captureLogger();
    const tracking = new TrackingLog(broken, { logger });
    await broken.destroy();
    assert.doesNotThrow(() => tracking.event({ queueId: 'Q-FAIL', kind: 'received' }));
    await tracking.flush();
    assert.ok(lines.some((l) => /tracking write failed/.test(l)), lines.join(''));
    await tracking.close();
    tracking.event({ queueId: 'Q-AFTER-CLOSE', kind: 'received' });
    assert.ok(lines.some((l) => /tracking rows dropped/.test(l)));
  });
});
