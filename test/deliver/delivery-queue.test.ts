import assert from 'node:assert/strict';
import { Resolver } from 'node:dns';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import dns2 from 'dns2';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { newQueueId } from '../../src/core/queue-id.js';
import { DeliveryQueue } from '../../src/deliver/delivery-queue.js';
import type { TrackingEvent, TrackingSink } from '../../src/observe/tracking-event.js';
import { SpoolStore, type SpoolRecord } from '../../src/spool/spool-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { startSmtpSink, type SinkReply } from '../helpers/smtp-sink.js';

const logger = pino({ level: 'silent' });
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-queue-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Harness {
  readonly dir: string;
  readonly db: Database;
  readonly spool: SpoolStore;
  readonly events: TrackingEvent[];
  readonly tracking: TrackingSink;
  /** Moves the queue's clock forward (backoff without waiting). */
  advance(ms: number): void;
  now(): number;
  queue(extra?: Partial<ConstructorParameters<typeof DeliveryQueue>[0]>): DeliveryQueue;
  spoolMessage(opts: { from: string; to: readonly string[]; body?: string; receivedAt?: number; quarantine?: boolean }): Promise<{ queueId: string; record: SpoolRecord }>;
  close(): Promise<void>;
}

async function harness(config: ConfigInput, dataDir?: string): Promise<Harness> {
  const dir = dataDir ?? (await mkdtemp(join(root, 'h-')));
  const db = await openDatabase({ dataDir: dir });
  const spool = await SpoolStore.open(join(dir, 'spool'), { fsync: false });
  const events: TrackingEvent[] = [];
  const tracking: TrackingSink = { event: (e) => events.push(e), message: () => undefined };
  const parsed = parseConfig({ dataDir: dir, ...config }, 'test');
  let offset = 0;
  const now = (): number => Date.now() + offset;
  const queues: DeliveryQueue[] = [];
  return {
    dir,
    db,
    spool,
    events,
    tracking,
    advance: (ms) => (offset += ms),
    now,
    queue(extra = {}) {
      const q = new DeliveryQueue({ db, spool, config: parsed, logger, tracking, now, pollIntervalMs: 25, ...extra });
      queues.push(q);
      return q;
    },
    async spoolMessage({ from, to, body, receivedAt, quarantine }) {
      const queueId = newQueueId();
      const bytes = Buffer.from(body ?? `From: <${from}>\r\nTo: <${to[0]}>\r\nSubject: test ${queueId}\r\nMessage-ID: <${queueId}@test>\r\n\r\nHello.\r\n`);
      const writer = spool.createWriter(queueId);
      await writer.receive((async function* () {
        yield bytes;
      })());
      const record: SpoolRecord = {
        version: 1,
        envelope: {
          queueId,
          clientAddress: '127.0.0.1',
          clientPort: 40000,
          helo: 'client.test',
          mailFrom: from,
          rcptTo: to,
          direction: 'inbound',
          receivedAt: receivedAt ?? now(),
          size: bytes.length,
        },
        prependHeaders: 'X-Portcullis-Verdict: accept\r\n',
        verdict: { action: 'accept', score: 0, rule: 'threshold:accept', findings: [] },
        recipients: to.map((address) => ({ address, disposition: quarantine ? 'quarantine' : 'deliver' })),
      };
      await writer.commit(record);
      return { queueId, record };
    },
    async close() {
      for (const q of queues) await q.stop();
      await db.destroy();
    },
  };
}

async function statuses(db: Database, queueId: string): Promise<Record<string, string>> {
  const rows = await db.selectFrom('recipient_state').select(['recipient', 'status']).where('queue_id', '=', queueId).execute();
  return Object.fromEntries(rows.map((r) => [r.recipient, r.status]));
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function relayConfig(sink: { port: number }, delivery: Record<string, unknown> = {}): ConfigInput {
  return {
    domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}` }],
    delivery: { smarthost: `smtp://127.0.0.1:${sink.port}`, retryDelaySeconds: 10, maxRetryDelaySeconds: 40, connectTimeoutSeconds: 5, ...delivery },
  } as ConfigInput;
}

describe('DeliveryQueue', () => {
  it('delivers the outgoing form (prepended headers + spooled bytes) in one transaction per next hop, then removes the spool files', async () => {
    const sink = await startSmtpSink();
    const h = await harness(relayConfig(sink));
    try {
      const q = h.queue();
      q.start();
      const { queueId, record } = await h.spoolMessage({ from: 'alice@example.net', to: ['bob@example.org', 'carol@example.org'] });
      await q.enqueue(queueId, record);
      await sink.waitForMessages(1, 5000);
      await waitFor('rows delivered', async () => Object.values(await statuses(h.db, queueId)).every((s) => s === 'delivered'));
      assert.equal(sink.messages.length, 1);
      const msg = sink.messages[0]!;
      assert.deepEqual([...msg.rcptTo].sort(), ['bob@example.org', 'carol@example.org']);
      assert.equal(msg.mailFrom, 'alice@example.net');
      assert.ok(msg.raw.toString().startsWith('X-Portcullis-Verdict: accept\r\nFrom: <alice@example.net>'));
      await waitFor('spool removed', async () => (await h.spool.listCommitted()).length === 0);
      assert.equal(h.events.filter((e) => e.kind === 'delivered' && e.queueId === queueId).length, 2);
    } finally {
      await h.close();
      await sink.close();
    }
  });

  it('defers on 4xx with backoff and delivers on the retry', async () => {
    const sink = await startSmtpSink({ respond: (_m, attempt): SinkReply | undefined => (attempt === 0 ? { code: 451, text: 'try later' } : undefined) });
    const h = await harness(relayConfig(sink));
    try {
      const q = h.queue();
      q.start();
      const { queueId, record } = await h.spoolMessage({ from: 'alice@example.net', to: ['bob@example.org'] });
      await q.enqueue(queueId, record);
      await waitFor('deferred', async () => (await statuses(h.db, queueId))['bob@example.org'] === 'deferred');
      const row = await h.db.selectFrom('recipient_state').selectAll().where('queue_id', '=', queueId).executeTakeFirstOrThrow();
      assert.equal(row.attempts, 1);
      assert.ok(row.next_attempt_at - h.now() > 8000, 'first retry is retryDelaySeconds away');
      assert.match(row.last_reply ?? '', /451/);
      assert.equal(sink.acceptedCount, 0);
      h.advance(11_000);
      await sink.waitForMessages(1, 5000);
      await waitFor('delivered', async () => (await statuses(h.db, queueId))['bob@example.org'] === 'delivered');
      assert.ok(h.events.some((e) => e.kind === 'deferred' && e.queueId === queueId));
    } finally {
      await h.close();
      await sink.close();
    }
  });

  it('bounces on 5xx and queues an RFC 3464 DSN to the envelope sender with MAIL FROM <>', async () => {
    const sink = await startSmtpSink({
      respond: (m) => (m.rcptTo.includes('nobody@example.org') ? { code: 550, text: '5.1.1 no such user' } : undefined),
    });
    const h = await harness(relayConfig(sink));
    try {
      const q = h.queue();
      q.start();
      const { queueId, record } = await h.spoolMessage({ from: 'alice@example.net', to: ['nobody@example.org'] });
      await q.enqueue(queueId, record);
      await sink.waitForMessages(1, 5000);
      assert.equal((await statuses(h.db, queueId))['nobody@example.org'], 'bounced');
      const dsn = sink.messages[0]!;
      assert.equal(dsn.mailFrom, '');
      assert.deepEqual(dsn.rcptTo, ['alice@example.net']);
      const text = dsn.raw.toString();
      assert.match(text, /Content-Type: multipart\/report; report-type=delivery-status/);
      assert.match(text, /Final-Recipient: rfc822; nobody@example\.org/);
      assert.match(text, /Status: 5\.1\.1/);
      assert.match(text, new RegExp(`Subject: test ${queueId}`));
      assert.ok(h.events.some((e) => e.kind === 'bounced' && e.queueId === queueId));
      await waitFor('spool emptied', async () => (await h.spool.listCommitted()).length === 0);
    } finally {
      await h.close();
      await sink.close();
    }
  });

  it('sends no DSN for the null sender', async () => {
    const sink = await startSmtpSink({ respond: () => ({ code: 554, text: 'rejected' }) });
    const h = await harness(relayConfig(sink));
    try {
      const q = h.queue();
      q.start();
      const { queueId, record } = await h.spoolMessage({ from: '', to: ['bob@example.org'] });
      await q.enqueue(queueId, record);
      await waitFor('bounced', async () => (await statuses(h.db, queueId))['bob@example.org'] === 'bounced');
      await new Promise((r) => setTimeout(r, 200));
      const all = await h.db.selectFrom('recipient_state').select('queue_id').distinct().execute();
      assert.deepEqual(all.map((r) => r.queue_id), [queueId], 'no DSN message was queued');
    } finally {
      await h.close();
      await sink.close();
    }
  });

  it('expires a message older than expireAfterSeconds: bounced, tracked as expired, DSN with status 4.4.7', async () => {
    const sink = await startSmtpSink();
    const h = await harness(relayConfig(sink, { expireAfterSeconds: 60 }));
    try {
      const q = h.queue();
      q.start();
      const { queueId, record } = await h.spoolMessage({ from: 'alice@example.net', to: ['bob@example.org'], receivedAt: Date.now() - 61_000 });
      await q.enqueue(queueId, record);
      await sink.waitForMessages(1, 5000);
      assert.equal((await statuses(h.db, queueId))['bob@example.org'], 'bounced');
      assert.equal(sink.messages.length, 1, 'only the DSN went out, not the expired message');
      assert.equal(sink.messages[0]!.mailFrom, '');
      assert.match(sink.messages[0]!.raw.toString(), /Status: 4\.4\.7/);
      assert.ok(h.events.some((e) => e.kind === 'expired' && e.queueId === queueId));
    } finally {
      await h.close();
      await sink.close();
    }
  });

  it('respects the concurrency limit per next hop', async () => {
    let active = 0;
    let peak = 0;
    let received = 0;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        active++;
        peak = Math.max(peak, active);
        stream.resume();
        stream.on('end', () =>
          setTimeout(() => {
            active--;
            received++;
            callback(null);
          }, 150),
        );
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as { port: number }).port;
    const h = await harness(relayConfig({ port }, { concurrencyPerDestination: 2 }));
    try {
      const q = h.queue();
      q.start();
      for (let i = 0; i < 6; i++) {
        const { queueId, record } = await h.spoolMessage({ from: 'alice@example.net', to: [`u${i}@example.org`] });
        await q.enqueue(queueId, record);
      }
      await waitFor('six delivered', () => received === 6);
      assert.equal(peak, 2, `at most 2 concurrent transactions to the hop, and it used both (peak ${peak})`);
    } finally {
      await h.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('does not deliver a waiting message whose rows were deleted meanwhile (queue delete from another process)', async () => {
    const subjects: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        const parts: Buffer[] = [];
        stream.on('data', (c: Buffer) => parts.push(c));
        stream.on('end', () => {
          subjects.push(/Subject: (.*)/.exec(Buffer.concat(parts).toString())?.[1] ?? '');
          void held.then(() => callback(null));
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as { port: number }).port;
    // One attempt at a time and no timed poll: the waiting messages are started from the ready
    // list, which still names the deleted one.
    const h = await harness(relayConfig({ port }, { concurrency: 1, concurrencyPerDestination: 1 }));
    try {
      const q = h.queue({ pollIntervalMs: 60_000 });
      q.start();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { queueId, record } = await h.spoolMessage({ from: 'alice@example.net', to: [`u${i}@example.org`] });
        ids.push(queueId);
        await q.enqueue(queueId, record);
      }
      await waitFor('the first transaction at the hop', () => subjects.length === 1);
      await h.db.deleteFrom('recipient_state').where('queue_id', '=', ids[2]!).execute();
      release();
      await waitFor('the second message delivered', async () => (await statuses(h.db, ids[1]!))['u1@example.org'] === 'delivered');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(subjects, [`test ${ids[0]}`, `test ${ids[1]}`]);
    } finally {
      await h.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a new queue on the same database and spool delivers what the old one left (and recovers unqueued messages)', async () => {
    let accept = false;
    const sink = await startSmtpSink({ respond: () => (accept ? undefined : { code: 421, text: 'down' }) });
    const dir = await mkdtemp(join(root, 'restart-'));
    const first = await harness(relayConfig(sink), dir);
    const deferred = await first.spoolMessage({ from: 'alice@example.net', to: ['bob@example.org'] });
    const q1 = first.queue();
    q1.start();
    await q1.enqueue(deferred.queueId, deferred.record);
    await waitFor('deferred', async () => (await statuses(first.db, deferred.queueId))['bob@example.org'] === 'deferred');
    // Committed to the spool but never enqueued: the crash between commit and enqueue.
    const orphan = await first.spoolMessage({ from: 'alice@example.net', to: ['carol@example.org'] });
    await first.close();

    accept = true;
    const second = await harness(relayConfig(sink), dir);
    try {
      const q2 = second.queue();
      assert.equal(await q2.recover(), 1);
      second.advance(11_000);
      q2.start();
      await sink.waitForMessages(2, 5000);
      await waitFor('both delivered', async () => {
        const a = await statuses(second.db, deferred.queueId);
        const b = await statuses(second.db, orphan.queueId);
        return a['bob@example.org'] === 'delivered' && b['carol@example.org'] === 'delivered';
      });
      assert.deepEqual(sink.messages.map((m) => m.rcptTo[0]).sort(), ['bob@example.org', 'carol@example.org']);
    } finally {
      await second.close();
      await sink.close();
    }
  });

  it('keeps quarantined recipients and their spool files', async () => {
    const sink = await startSmtpSink();
    const h = await harness(relayConfig(sink));
    try {
      const q = h.queue();
      q.start();
      const { queueId, record } = await h.spoolMessage({ from: 'alice@example.net', to: ['bob@example.org'], quarantine: true });
      await q.enqueue(queueId, record);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal((await statuses(h.db, queueId))['bob@example.org'], 'quarantined');
      assert.equal(sink.acceptedCount, 0);
      assert.deepEqual(await h.spool.listCommitted(), [queueId]);
    } finally {
      await h.close();
      await sink.close();
    }
  });

  it('with no accepted domain, delivers into the local mailbox with an index row', async () => {
    const h = await harness({});
    try {
      const q = h.queue();
      q.start();
      const { queueId, record } = await h.spoolMessage({ from: 'alice@example.net', to: ['someone@example.org'] });
      await q.enqueue(queueId, record);
      await waitFor('delivered', async () => (await statuses(h.db, queueId))['someone@example.org'] === 'delivered');
      const row = await h.db.selectFrom('mailbox').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.queue_id, queueId);
      assert.equal(row.recipient, 'someone@example.org');
      assert.equal(row.subject, `test ${queueId}`);
      assert.match(row.id, /^[0-9A-Z]{26}$/);
      const stored = await readFile(join(h.dir, 'mailbox', `${row.id}.eml`), 'utf8');
      assert.ok(stored.startsWith('X-Portcullis-Verdict: accept\r\nFrom: <alice@example.net>'));
      assert.equal(row.size, Buffer.byteLength(stored));
    } finally {
      await h.close();
    }
  });

  it('delivers by MX lookup through a local DNS server', async () => {
    const sink = await startSmtpSink();
    const dns = dns2.createServer({
      udp: true,
      handle(request, send) {
        const response = dns2.Packet.createResponseFromRequest(request);
        const question = request.questions[0];
        if (question?.name === 'mx.test' && question.type === dns2.Packet.TYPE.MX) {
          response.answers.push({ name: 'mx.test', type: dns2.Packet.TYPE.MX, class: dns2.Packet.CLASS.IN, ttl: 60, exchange: 'mail.mx.test', priority: 10 } as never);
        } else if (question?.name === 'mail.mx.test' && question.type === dns2.Packet.TYPE.A) {
          response.answers.push({ name: 'mail.mx.test', type: dns2.Packet.TYPE.A, class: dns2.Packet.CLASS.IN, ttl: 60, address: '127.0.0.1' } as never);
        }
        send(response);
      },
    });
    const addresses = await dns.listen({ udp: { port: 0, address: '127.0.0.1' } });
    const resolver = new Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([`127.0.0.1:${addresses.udp!.port}`]);
    const h = await harness({
      domains: [{ name: 'example.org', downstream: 'smtp://127.0.0.1:1' }],
      delivery: { mxPort: sink.port, connectTimeoutSeconds: 5 },
    } as ConfigInput);
    try {
      const q = h.queue({
        mx: {
          resolve: (name, type, cb) => resolver.resolve(name, type, cb as never),
          blockLocalAddresses: false,
        },
      });
      q.start();
      const { queueId, record } = await h.spoolMessage({ from: 'alice@example.org', to: ['dave@mx.test'] });
      await q.enqueue(queueId, record);
      await sink.waitForMessages(1, 5000);
      assert.deepEqual(sink.messages[0]!.rcptTo, ['dave@mx.test']);
      await waitFor('delivered', async () => (await statuses(h.db, queueId))['dave@mx.test'] === 'delivered');
      const row = await h.db.selectFrom('recipient_state').select('next_hop').where('queue_id', '=', queueId).executeTakeFirstOrThrow();
      assert.equal(row.next_hop, 'mx:mx.test');
    } finally {
      await h.close();
      await sink.close();
      await dns.close();
    }
  });
});
