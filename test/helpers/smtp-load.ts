/**
 * Sends SMTP load: a fixed number of concurrent connections, each sending one message after
 * another (MAIL, RCPT, DATA, the bytes, wait for the final reply), reconnecting when the
 * connection is lost. Used by the crash-durability test and the relay benchmark.
 *
 * Trust: the server under test; every reply has a timeout, so a hung gateway ends the load
 * instead of the test. Latency is the SMTP transaction as the client sees it: from writing
 * MAIL FROM to reading the final reply to DATA (DESIGN.md, Measuring).
 *
 * Contract: `runSmtpLoad()` resolves when `next()` returns undefined for every connection or
 * the deadline passes. A message is taken from `next()` only once a connection is up, so a
 * gateway that is down (crashed, restarting) does not burn messages; `endpoint()` may return a
 * promise that resolves once it is back. Each message taken yields exactly one outcome: its
 * final reply code, or undefined when the connection was lost before that reply.
 */
import { performance } from 'node:perf_hooks';
import { connectRawSmtp, type RawSmtpClient } from './raw-smtp.js';

export interface LoadEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface LoadMessage {
  readonly id: number;
  readonly mailFrom: string;
  readonly rcptTo: string;
  /** The DATA payload, dot-stuffed, ending with CRLF.CRLF; sent part after part. */
  readonly data: ReadonlyArray<string | Buffer>;
}

export interface LoadOutcome {
  readonly id: number;
  /** The reply that ended the transaction (final DATA reply, or a refusal); undefined if none came. */
  readonly code: number | undefined;
  readonly latencyMs: number;
}

export interface LoadOptions {
  readonly connections: number;
  readonly endpoint: () => LoadEndpoint | Promise<LoadEndpoint>;
  readonly next: () => LoadMessage | undefined;
  readonly onOutcome?: (outcome: LoadOutcome) => void;
  /** Epoch ms after which no new message is started. */
  readonly deadline: number;
  readonly replyTimeoutMs?: number;
}

/** Builds a DATA payload from header lines and a body made of CRLF-separated lines. */
export function dataPayload(headers: readonly string[], body: string | Buffer): Array<string | Buffer> {
  return [`${headers.join('\r\n')}\r\n\r\n`, body, '\r\n.\r\n'];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function connectUntil(options: LoadOptions): Promise<RawSmtpClient | undefined> {
  while (Date.now() < options.deadline) {
    try {
      const { host, port } = await options.endpoint();
      const client = await connectRawSmtp(host, port, 5_000);
      if (client.greeting.code === 220 && (await client.command('EHLO load.test', 5_000)).code === 250) return client;
      client.close();
    } catch {
      // down or restarting: try again shortly
    }
    await sleep(50);
  }
  return undefined;
}

async function transaction(client: RawSmtpClient, message: LoadMessage, timeoutMs: number): Promise<number> {
  const mail = await client.command(`MAIL FROM:<${message.mailFrom}>`, timeoutMs);
  if (mail.code !== 250) return mail.code;
  const rcpt = await client.command(`RCPT TO:<${message.rcptTo}>`, timeoutMs);
  if (rcpt.code !== 250) {
    await client.command('RSET', timeoutMs);
    return rcpt.code;
  }
  const data = await client.command('DATA', timeoutMs);
  if (data.code !== 354) return data.code;
  for (const part of message.data) await client.send(part);
  return (await client.readReply(timeoutMs)).code;
}

export async function runSmtpLoad(options: LoadOptions): Promise<LoadOutcome[]> {
  const outcomes: LoadOutcome[] = [];
  const timeoutMs = options.replyTimeoutMs ?? 30_000;
  const record = (outcome: LoadOutcome): void => {
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  };
  const worker = async (): Promise<void> => {
    let client: RawSmtpClient | undefined;
    for (;;) {
      if (!client || client.closed) client = await connectUntil(options);
      if (!client || Date.now() >= options.deadline) break;
      const message = options.next();
      if (!message) break;
      const started = performance.now();
      const session = client;
      try {
        const code = await transaction(session, message, timeoutMs);
        record({ id: message.id, code, latencyMs: performance.now() - started });
        // 421 and friends close the session; a fresh connection is cheaper than guessing.
        if (code === 421 || session.closed) {
          session.close();
          client = undefined;
        }
      } catch {
        record({ id: message.id, code: undefined, latencyMs: performance.now() - started });
        session.close();
        client = undefined;
      }
    }
    if (client && !client.closed) {
      await client.command('QUIT', 2_000).catch(() => undefined);
      client.close();
    }
  };
  await Promise.all(Array.from({ length: options.connections }, () => worker()));
  return outcomes;
}
