import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { newQueueId } from '../../src/core/queue-id.js';
import { DeliveryThread } from '../../src/deliver/delivery-thread.js';
import { deliveryAttempts } from '../../src/observe/metrics.js';
import type { TrackingEvent, TrackingSink } from '../../src/observe/tracking-event.js';
import { SpoolStore, spoolDirectory, type SpoolRecord } from '../../src/spool/spool-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-delivery-thread-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Harness {
  readonly config: Config;
  readonly db: Database;
  readonly spool: SpoolStore;
  /** Log lines written to the main thread's logger. */
  readonly logLines: string[];
  readonly logger: pino.Logger;
  /** Rows given to the main thread's own tracking writer (used while no thread runs). */
  readonly fallbackEvents: TrackingEvent[];
  readonly fallbackTracking: TrackingSink;
  /** Spools a message; `padding` lines of 100 bytes make a body past Node's pooled small buffers. */
  spoolMessage(to: string, padding?: number): Promise<{ queueId: string; record: SpoolRecord }>;
}

async function harness(sink: SmtpSink): Promise<Harness> {
  const dataDir = await mkdtemp(join(root, 'h-'));
  const config = parseConfig(
    { dataDir, domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}` }], log: { level: 'info' } } as ConfigInput,
    'test',
  );
  // The main thread opens (and migrates) the database and the spool before the delivery thread starts, as the gateway does.
  const db = await openDatabase({ dataDir });
  const spool = await SpoolStore.open(spoolDirectory(config), { fsync: false });
  const logLines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  );
  const fallbackEvents: TrackingEvent[] = [];
  return {
    config,
    db,
    spool,
    logLines,
    logger,
    fallbackEvents,
    fallbackTracking: { event: (e) => fallbackEvents.push(e), message: () => undefined },
    async spoolMessage(to, padding = 0) {
      const queueId = newQueueId();
      const bytes = Buffer.from(`From: <a@example.net>\r\nTo: <${to}>\r\nSubject: ${queueId}\r\nMessage-ID: <${queueId}@test>\r\n\r\nHello.\r\n${`${'x'.repeat(98)}\r\n`.repeat(padding)}`);
      const writer = spool.createWriter(queueId);
      await writer.receive(
        (async function* () {
          yield bytes;
        })(),
      );
      const record: SpoolRecord = {
        version: 1,
        envelope: { queueId, clientAddress: '127.0.0.1', clientPort: 40000, helo: 'client.test', mailFrom: 'a@example.net', rcptTo: [to], direction: 'inbound', receivedAt: Date.now(), size: bytes.length },
        prependHeaders: '',
        verdict: { action: 'accept', score: 0, rule: 'threshold:accept', findings: [] },
        recipients: [{ address: to, disposition: 'deliver' }],
      };
      await writer.commit(record);
      return { queueId, record };
    },
  };
}

async function deliveredCount(): Promise<number> {
  const metric = await deliveryAttempts.get();
  return metric.values.find((v) => v.labels.outcome === 'delivered')?.value ?? 0;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A sink, a harness and a started DeliveryThread for `test`, all stopped afterwards (stop() may
 * be called twice). `logLevel`: the main logger's level when the thread starts (default info).
 */
async function withDeliveryThread(test: (ctx: { sink: SmtpSink; h: Harness; thread: DeliveryThread }) => Promise<void>, logLevel = 'info'): Promise<void> {
  const sink = await startSmtpSink();
  const h = await harness(sink);
  h.logger.level = logLevel;
  const thread = await DeliveryThread.start({ config: h.config, logger: h.logger, spool: h.spool, tracking: h.fallbackTracking });
  try {
    await test({ sink, h, thread });
  } finally {
    await thread.stop();
    await h.db.destroy();
    await sink.close();
  }
}

describe('DeliveryThread', () => {
  it('delivers in the worker thread, with its log lines and attempt counts reaching the main thread', async () => {
    await withDeliveryThread(async ({ sink, h, thread }) => {
      assert.equal(await thread.recover(), 0);
      thread.start();
      const before = await deliveredCount();
      const { queueId, record } = await h.spoolMessage('bob@example.org');
      await thread.enqueue(queueId, record);
      // The in-memory copy was handed over with the enqueue, not kept on this side too.
      assert.equal(h.spool.takeRecent(queueId), undefined);
      await sink.waitForMessages(1, 10_000);
      assert.match(sink.messages[0]?.raw.toString('utf8') ?? '', new RegExp(`Subject: ${queueId}`));
      await waitFor('the attempt log line', () => h.logLines.some((l) => l.includes('"delivery attempt"') && l.includes(queueId)));
      const line = JSON.parse(h.logLines.find((l) => l.includes('"delivery attempt"')) ?? '{}') as { outcome?: string; recipient?: string };
      assert.equal(line.outcome, 'delivered');
      assert.equal(line.recipient, 'bob@example.org');
      await waitFor('the delivered count', async () => (await deliveredCount()) === before + 1);
      await waitFor('the spool file removed', () => !existsSync(join(h.spool.dir, `${queueId}.msg`)));
      // A larger body owns its memory and is moved to the thread rather than copied; it arrives whole.
      const large = await h.spoolMessage('dave@example.org', 100);
      await thread.enqueue(large.queueId, large.record);
      await sink.waitForMessages(2, 10_000);
      const raw = sink.messages[1]?.raw.toString('utf8') ?? '';
      assert.match(raw, new RegExp(`Subject: ${large.queueId}`));
      assert.equal(raw.split(`${'x'.repeat(98)}\r\n`).length - 1, 100);
    });
  });

  it("logs at the main logger's level, also after a reload", async () => {
    await withDeliveryThread(async ({ sink, h, thread }) => {
      thread.start();
      const quiet = await h.spoolMessage('quiet@example.org');
      await thread.enqueue(quiet.queueId, quiet.record);
      await sink.waitForMessages(1, 10_000);
      // The attempt is logged when it is recorded, a moment after the sink's 250.
      await waitFor('the first attempt recorded', async () => {
        const row = await h.db.selectFrom('recipient_state').select('status').where('queue_id', '=', quiet.queueId).executeTakeFirst();
        return row?.status === 'delivered';
      });
      h.logger.level = 'info';
      thread.reconfigure(h.config);
      const heard = await h.spoolMessage('heard@example.org');
      await thread.enqueue(heard.queueId, heard.record);
      await waitFor('the second attempt logged', () => h.logLines.some((l) => l.includes(heard.queueId)));
      assert.ok(!h.logLines.some((l) => l.includes(quiet.queueId)), 'an info line was written while the main logger was at warn');
    }, 'warn');
  });

  it("writes the SMTP side's tracking rows with the thread's connection, and to the main thread's own writer while none runs", async () => {
    await withDeliveryThread(async ({ h, thread }) => {
      const queueId = newQueueId();
      const at = Date.now() - 5_000;
      thread.tracking.event({ queueId, kind: 'received', at, detail: 'threshold:accept' });
      thread.tracking.message({
        queueId, receivedAt: at, node: 'test', direction: 'inbound', clientAddress: '127.0.0.1', helo: 'client.test', mailFrom: 'a@example.net',
        rcptTo: ['bob@example.org'], size: 10, action: 'accept', score: 0, rule: 'threshold:accept', findings: [],
      } as Parameters<TrackingSink['message']>[0]);
      await waitFor('the rows in the database', async () => {
        const events = await h.db.selectFrom('tracking_event').select(['kind', 'at']).where('queue_id', '=', queueId).execute();
        const messages = await h.db.selectFrom('tracking_message').select('queue_id').where('queue_id', '=', queueId).execute();
        return events.length === 1 && events[0]?.at === at && messages.length === 1;
      });
      assert.equal(h.fallbackEvents.length, 0);
      await (thread as unknown as { worker: Worker }).worker.terminate();
      await waitFor('the thread seen as not running', () => !thread.running);
      thread.tracking.event({ queueId, kind: 'deleted', detail: 'while no thread runs' });
      await waitFor('the row given to the fallback writer', () => h.fallbackEvents.length === 1);
      assert.equal(h.fallbackEvents[0]?.kind, 'deleted');
      assert.equal(typeof h.fallbackEvents[0]?.at, 'number', 'stamped when it happened');
    });
  });

  it('replaces a failed thread: calls while none runs are rejected, and the new thread delivers what was committed meanwhile', async () => {
    await withDeliveryThread(async ({ sink, h, thread }) => {
      thread.start();
      assert.equal(thread.running, true);
      // The thread dies (as an uncaught error would end it).
      await (thread as unknown as { worker: Worker }).worker.terminate();
      await waitFor('the thread seen as not running', () => !thread.running);
      const { queueId, record } = await h.spoolMessage('carol@example.org');
      await assert.rejects(thread.enqueue(queueId, record), (err: Error & { code?: string }) => err.code === 'PORTCULLIS_ERR_DELIVERY_THREAD');
      // The replacement recovers the committed message that has no queue rows and delivers it.
      await sink.waitForMessages(1, 10_000);
      assert.match(sink.messages[0]?.raw.toString('utf8') ?? '', new RegExp(`Subject: ${queueId}`));
      assert.ok(h.logLines.some((l) => l.includes('delivery thread stopped unexpectedly')));
      assert.equal(thread.running, true);
    });
  });

  it('stops cleanly while a replacement is pending', async () => {
    await withDeliveryThread(async ({ h, thread }) => {
      await (thread as unknown as { worker: Worker }).worker.terminate();
      const started = Date.now();
      await thread.stop();
      assert.ok(Date.now() - started < 1_000, 'stop() waited for the replacement');
      await new Promise((r) => setTimeout(r, 1_500));
      assert.ok(!h.logLines.some((l) => l.includes('could not be restarted')));
      assert.equal(thread.running, false, 'no thread was started after stop()');
    });
  });
});
