/**
 * A downstream SMTP server for tests and benchmarks: it stands where the organisation's mail
 * server would be, records every message the gateway relays to it, and can be told to answer
 * 4xx/5xx. It listens on 127.0.0.1 on a free port, without TLS or AUTH (both disabled, so the
 * gateway's opportunistic TLS falls back to plain text).
 *
 * Trust: it trusts nothing it receives; it only records. Besides the message as smtp-server
 * hands it over (dot-unstuffed), it keeps the raw bytes each client sent on the wire, so tests
 * can check what a stricter or laxer downstream MTA would have seen (SMTP smuggling).
 *
 * Contract: `startSmtpSink()` resolves once listening; `messages` grows in arrival order;
 * `waitForMessages(n)` resolves when at least n have arrived or rejects after the timeout;
 * `close()` stops listening and closes open connections.
 */
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message as received by the sink. */
export interface SinkMessage {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  /** The message as smtp-server delivered it: dot-unstuffed, without the final CRLF.CRLF. */
  readonly raw: Buffer;
  readonly receivedAt: number;
}

/** An SMTP reply the sink should give instead of 250. */
export interface SinkReply {
  /** 4xx (the gateway should retry) or 5xx (permanent). */
  readonly code: number;
  readonly text: string;
}

export interface SmtpSinkOptions {
  /**
   * Chooses the reply to a message before it is recorded; undefined accepts it with 250.
   * `attempt` counts DATA commands the sink has seen, starting at 0 (recorded or not).
   */
  readonly respond?: (message: SinkMessage, attempt: number) => SinkReply | undefined;
  /** Record the raw bytes of every connection (default true; benchmarks switch it off). */
  readonly recordWire?: boolean;
  /** Keep message bodies (default true; benchmarks switch it off and keep only counts). */
  readonly keepBodies?: boolean;
}

export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  /** Accepted messages (250), in arrival order. */
  readonly messages: readonly SinkMessage[];
  /** Number of accepted messages, kept even when bodies are not. */
  readonly acceptedCount: number;
  /** Raw client-to-sink bytes of every connection so far, one Buffer per connection. */
  wireTranscripts(): Buffer[];
  /** Resolves when at least `count` messages have been accepted. */
  waitForMessages(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const recordWire = options.recordWire ?? true;
  const keepBodies = options.keepBodies ?? true;
  const messages: SinkMessage[] = [];
  const wire: Buffer[][] = [];
  const waiters = new Set<() => void>();
  let acceptedCount = 0;
  let attempts = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    banner: 'portcullis test sink',
    // Let many gateway connections in (the benchmark runs 100 at a time).
    maxClients: 1000,
    closeTimeout: 500,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (keepBodies) chunks.push(chunk);
      });
      stream.on('error', callback);
      stream.on('end', () => {
        const attempt = attempts++;
        const message: SinkMessage = {
          mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          receivedAt: Date.now(),
        };
        const reply = options.respond?.(message, attempt);
        if (reply) {
          const err = new Error(reply.text) as Error & { responseCode: number };
          err.responseCode = reply.code;
          callback(err);
          return;
        }
        acceptedCount++;
        if (keepBodies) messages.push(message);
        for (const wake of waiters) wake();
        callback(null, 'queued by sink');
      });
    },
  });

  if (recordWire) {
    // A second 'data' listener sees the same chunks smtp-server parses, before any unstuffing.
    server.server.on('connection', (socket: Socket) => {
      const chunks: Buffer[] = [];
      wire.push(chunks);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors after start (a client resetting its connection) are not the test's concern.
  server.on('error', () => undefined);
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('smtp sink has no TCP address');

  return {
    host: '127.0.0.1',
    port: address.port,
    messages,
    get acceptedCount() {
      return acceptedCount;
    },
    wireTranscripts: () => wire.map((chunks) => Buffer.concat(chunks)),
    waitForMessages(count, timeoutMs) {
      if (acceptedCount >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          if (acceptedCount < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`smtp sink: ${acceptedCount} of ${count} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
