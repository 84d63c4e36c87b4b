/**
 * Recipient verification by callout: asks an accepted domain's downstream server whether it
 * would take a recipient, so mail to unknown users is refused in the SMTP session (550) instead
 * of being accepted and bounced later. The dialogue is EHLO, MAIL FROM:<>, RCPT TO, QUIT (no
 * DATA: nothing is ever sent). 2xx → accept; 550, 551, 553 (no such user, not local, bad
 * mailbox name) → reject; anything else, a network error or the timeout → tempfail, so a
 * downstream outage turns into 451 at RCPT and the sender retries (fail closed, never accept).
 *
 * Results are cached per (domain, address): accepts for cacheSeconds, rejects for
 * negativeCacheSeconds (the domain's `recipients` config); tempfails are not cached. Concurrent
 * checks of the same address share one callout. The cache is bounded (MAX_CALLOUT_CACHE_ENTRIES,
 * oldest evicted first), so a flood of random addresses cannot grow memory without bound.
 *
 * Trust: the address comes from an SMTP client (untrusted): it is refused if it holds CR, LF or
 * angle brackets, so it cannot add a command to the dialogue. The downstream is trusted to tell
 * the truth about its users, not to behave: replies are bounded in length and time.
 * TLS follows the hop's mode: STARTTLS when offered (required: verified, and no TLS → tempfail).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { AcceptedDomain, NextHop } from '../config/schema.js';
import { PortcullisError } from '../core/errors.js';
import { oneLine } from './smtp-transport.js';
import type { Logger } from 'pino';

export type CalloutResult = 'accept' | 'reject' | 'tempfail';

export const MAX_CALLOUT_CACHE_ENTRIES = 10_000;
/** Longest reply (all lines) accepted from the downstream before the callout is abandoned. */
const MAX_REPLY_BYTES = 16 * 1024;
const DEFAULT_CACHE_SECONDS = 3600;
const DEFAULT_NEGATIVE_CACHE_SECONDS = 600;

/** Default time for the whole dialogue: well inside the client's RCPT timeout (RFC 5321: 5 min). */
export const CALLOUT_TIMEOUT_MS = 10_000;

export interface RecipientCalloutOptions {
  /** Our name in EHLO (default `localhost`; pass config.smtp.hostname). */
  readonly hostname?: string;
  /** Time for the whole dialogue (default CALLOUT_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Tempfails are logged here (the downstream is down or slow: an operator wants to know). */
  readonly logger?: Logger;
  readonly now?: () => number;
}

export class RecipientCallout {
  private readonly cache = new Map<string, { result: CalloutResult; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<ProbeResult>>();
  private readonly now: () => number;

  constructor(private readonly options: RecipientCalloutOptions) {
    this.now = options.now ?? Date.now;
  }

  async verify(domain: AcceptedDomain, address: string): Promise<CalloutResult> {
    if (/[\r\n<>]/.test(address)) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', 'recipient address holds CR, LF or angle brackets');
    const key = `${domain.name}\0${address.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.result;
    if (cached) this.cache.delete(key);
    const running = this.pending.get(key);
    if (running) return (await running).result;
    const check = probe(domain.downstream, this.options.hostname ?? 'localhost', address, this.options.timeoutMs ?? CALLOUT_TIMEOUT_MS).finally(() =>
      this.pending.delete(key),
    );
    this.pending.set(key, check);
    const { result, reply } = await check;
    if (result === 'tempfail') this.options.logger?.warn({ domain: domain.name, reply }, 'recipient callout failed temporarily');
    const ttl = cacheSeconds(domain, result);
    if (ttl > 0) {
      if (this.cache.size >= MAX_CALLOUT_CACHE_ENTRIES) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(key, { result, expiresAt: this.now() + ttl * 1000 });
    }
    return result;
  }
}

function cacheSeconds(domain: AcceptedDomain, result: CalloutResult): number {
  if (result === 'tempfail') return 0;
  const r = domain.recipients;
  if (r.verify !== 'callout') return result === 'accept' ? DEFAULT_CACHE_SECONDS : DEFAULT_NEGATIVE_CACHE_SECONDS;
  return result === 'accept' ? r.cacheSeconds : r.negativeCacheSeconds;
}

/** Reads SMTP replies (possibly multi-line) from a socket. */
class ReplyReader {
  private buffer = '';
  private waiter: ((reply: { code: number; text: string } | Error) => void) | undefined;
  private failure: Error | undefined;

  constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** Moves to a new (TLS) socket wrapping the old one. */
  replace(socket: TLSSocket): void {
    this.socket.removeAllListeners('data');
    this.socket = socket;
    this.buffer = '';
    this.attach(socket);
  }

  next(): Promise<{ code: number; text: string }> {
    return new Promise((resolve, reject) => {
      this.waiter = (reply) => (reply instanceof Error ? reject(reply) : resolve(reply));
      this.check();
    });
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      if (this.buffer.length > MAX_REPLY_BYTES) this.fail(new Error('reply too long'));
      this.check();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.check();
  }

  private check(): void {
    if (!this.waiter) return;
    const lines = this.buffer.split('\r\n');
    for (let i = 0; i < lines.length - 1; i++) {
      const m = /^(\d{3})([ -])(.*)$/.exec(lines[i] ?? '');
      if (m && m[2] === ' ') {
        const text = lines.slice(0, i + 1).join(' ');
        this.buffer = lines.slice(i + 1).join('\r\n');
        const waiter = this.waiter;
        this.waiter = undefined;
        waiter({ code: Number(m[1]), text });
        return;
      }
    }
    if (this.failure) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(this.failure);
    }
  }
}

interface ProbeResult {
  readonly result: CalloutResult;
  /** What went wrong, for the log (a tempfail's reason). */
  readonly reply: string;
}

async function probe(hop: NextHop, hostname: string, address: string, timeoutMs: number): Promise<ProbeResult> {
  let socket: Socket | TLSSocket = hop.implicitTls
    ? tlsConnect({ host: hop.host, port: hop.port, servername: hop.host, rejectUnauthorized: !hop.allowInvalidCertificate })
    : netConnect({ host: hop.host, port: hop.port });
  const timer = setTimeout(() => socket.destroy(new Error('callout timed out')), timeoutMs);
  const reader = new ReplyReader(socket);
  const command = async (line: string): Promise<{ code: number; text: string }> => {
    socket.write(`${line}\r\n`);
    return reader.next();
  };
  try {
    const greeting = await reader.next();
    if (greeting.code !== 220) return tempfail(greeting.text);
    let ehlo = await command(`EHLO ${hostname}`);
    if (ehlo.code !== 250) return tempfail(ehlo.text);
    if (!hop.implicitTls && hop.tls !== 'off') {
      const offered = /\b250[ -]STARTTLS\b/i.test(ehlo.text);
      if (!offered && hop.tls === 'required') return tempfail('TLS required but STARTTLS not offered');
      if (offered) {
        const start = await command('STARTTLS');
        if (start.code !== 220) {
          if (hop.tls === 'required') return tempfail(start.text);
        } else {
          const plain = socket;
          const secure = tlsConnect({
            socket: plain,
            servername: hop.host,
            rejectUnauthorized: hop.tls === 'required' && !hop.allowInvalidCertificate,
          });
          await new Promise<void>((resolve, reject) => {
            secure.once('secureConnect', resolve);
            secure.once('error', reject);
          });
          reader.replace(secure);
          socket = secure;
          ehlo = await command(`EHLO ${hostname}`);
          if (ehlo.code !== 250) return tempfail(ehlo.text);
        }
      }
    }
    const mail = await command('MAIL FROM:<>');
    if (mail.code !== 250) return tempfail(mail.text);
    const rcpt = await command(`RCPT TO:<${address}>`);
    socket.write('QUIT\r\n');
    if (rcpt.code >= 200 && rcpt.code < 300) return { result: 'accept', reply: rcpt.text };
    if (rcpt.code === 550 || rcpt.code === 551 || rcpt.code === 553) return { result: 'reject', reply: rcpt.text };
    return tempfail(rcpt.text);
  } catch (err) {
    return tempfail((err as Error).message);
  } finally {
    clearTimeout(timer);
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}

function tempfail(reply: string): ProbeResult {
  return { result: 'tempfail', reply: oneLine(reply) };
}
