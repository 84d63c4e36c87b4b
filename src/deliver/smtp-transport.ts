/**
 * The SMTP client side: hands one message to a next hop (a downstream server, the smarthost, or
 * the MX of the recipient's domain) in one transaction for one or more recipients, and says per
 * recipient what happened: delivered (2xx), deferred (4xx, a network error, a timeout, TLS
 * required but unavailable) or bounced (5xx, a domain that does not exist).
 *
 * Trust: the next hop is untrusted (its replies become text in logs, tracking and DSNs, and are
 * cleaned of control characters there); configuration (hops, credentials) is trusted. TLS: off
 * never starts TLS; opportunistic uses STARTTLS when offered and does not verify the certificate
 * (as MTAs do, RFC 7435), falling back to plain text if the handshake fails; required refuses to
 * send without TLS and verifies the certificate unless allowInvalidCertificate is set.
 * Every connection has a connect, greeting and idle timeout.
 */
import type { Readable } from 'node:stream';
import mxConnect, { type MxConnectError, type ResolveFunction } from 'mx-connect';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { resolveSecret } from '../config/load.js';
import type { NextHop, TlsMode } from '../config/schema.js';

export type DeliveryOutcome = 'delivered' | 'deferred' | 'bounced';

export interface RecipientResult {
  readonly recipient: string;
  readonly outcome: DeliveryOutcome;
  /** The next hop's reply (or the local error), one line. */
  readonly reply: string;
}

export type SmtpTarget = { readonly kind: 'relay'; readonly hop: NextHop } | { readonly kind: 'mx'; readonly domain: string };

export interface SmtpTransportOptions {
  /** Our name in EHLO. */
  readonly hostname: string;
  readonly connectTimeoutMs: number;
  readonly mxPort: number;
  readonly mxTls: TlsMode;
  /** DNS for MX lookups (tests point it at a local server); the system resolver otherwise. */
  readonly resolve?: ResolveFunction;
  /** Refuse MX hosts on loopback or private addresses (default true; tests switch it off). */
  readonly blockLocalAddresses?: boolean;
}

/** Idle time allowed between replies once connected (RFC 5321 4.5.3.2 allows minutes for DATA). */
const SMTP_IDLE_TIMEOUT_MS = 5 * 60 * 1000;

export interface OutgoingEnvelope {
  /** '' for the null sender. */
  readonly from: string;
  readonly to: readonly string[];
  readonly size: number;
}

/** How long an idle connection to a next hop is kept for the next message. */
const IDLE_REUSE_MS = 5000;
/** Transactions on one connection before it is closed (some servers limit messages per session). */
const MAX_TRANSACTIONS_PER_CONNECTION = 100;
/** Idle connections kept per next hop. */
const MAX_IDLE_PER_TARGET = 20;

interface PooledConnection {
  readonly connection: SMTPConnection;
  transactions: number;
  alive: boolean;
  idleTimer?: NodeJS.Timeout;
}

export class SmtpTransport {
  /**
   * Idle connections per next hop, reused for the next message (RFC 5321 allows a new MAIL FROM
   * after a completed transaction): connecting, EHLO, STARTTLS and AUTH cost more than the
   * transaction itself. A connection that saw any error is closed, never reused.
   */
  private readonly idle = new Map<string, PooledConnection[]>();

  constructor(private readonly options: SmtpTransportOptions) {}

  async send(target: SmtpTarget, envelope: OutgoingEnvelope, message: () => Readable): Promise<RecipientResult[]> {
    let pooled: PooledConnection;
    try {
      pooled = this.takeIdle(target) ?? (await this.open(target));
    } catch (err) {
      return allRecipients(envelope.to, outcomeOfError(err), replyOf(err));
    }
    const { connection } = pooled;
    let reusable = false;
    try {
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) => {
        connection.send(
          { from: envelope.from === '' ? '' : envelope.from, to: [...envelope.to], size: envelope.size, use8BitMime: true },
          message(),
          (err, sent) => (err ? reject(err) : resolve(sent)),
        );
      });
      reusable = true;
      const rejected = new Map((info.rejectedErrors ?? []).map((e) => [recipientOf(e), e] as const));
      return envelope.to.map((recipient) => {
        const err = rejected.get(recipient);
        if (err) return { recipient, outcome: outcomeOfError(err), reply: replyOf(err) };
        return { recipient, outcome: 'delivered', reply: oneLine(info.response) };
      });
    } catch (err) {
      const perRecipient = new Map(((err as { rejectedErrors?: SMTPConnection.SMTPError[] }).rejectedErrors ?? []).map((e) => [recipientOf(e), e] as const));
      return envelope.to.map((recipient) => {
        const specific = perRecipient.get(recipient) ?? err;
        return { recipient, outcome: outcomeOfError(specific), reply: replyOf(specific) };
      });
    } finally {
      pooled.transactions++;
      if (reusable) this.release(target, pooled);
      else close(pooled);
    }
  }

  /** Closes every idle connection (the queue is stopping). */
  closeIdle(): void {
    for (const list of this.idle.values()) for (const pooled of list.splice(0)) close(pooled);
    this.idle.clear();
  }

  private takeIdle(target: SmtpTarget): PooledConnection | undefined {
    const list = this.idle.get(targetKey(target));
    while (list && list.length > 0) {
      const pooled = list.pop() as PooledConnection;
      clearTimeout(pooled.idleTimer);
      if (pooled.alive) return pooled;
    }
    return undefined;
  }

  private release(target: SmtpTarget, pooled: PooledConnection): void {
    const key = targetKey(target);
    const list = this.idle.get(key) ?? [];
    if (!pooled.alive || pooled.transactions >= MAX_TRANSACTIONS_PER_CONNECTION || list.length >= MAX_IDLE_PER_TARGET) {
      close(pooled);
      return;
    }
    pooled.idleTimer = setTimeout(() => {
      const at = list.indexOf(pooled);
      if (at !== -1) list.splice(at, 1);
      close(pooled);
    }, IDLE_REUSE_MS);
    pooled.idleTimer.unref();
    list.push(pooled);
    this.idle.set(key, list);
  }

  private async open(target: SmtpTarget): Promise<PooledConnection> {
    const connection = await this.connect(target);
    const pooled: PooledConnection = { connection, transactions: 0, alive: true };
    connection.once('end', () => (pooled.alive = false));
    try {
      const auth = target.kind === 'relay' ? target.hop.auth : undefined;
      if (auth) {
        const pass = resolveSecret(auth.pass, `next hop ${target.kind === 'relay' ? target.hop.host : ''} auth.pass`);
        await new Promise<void>((resolve, reject) => connection.login({ user: auth.user, pass }, (err) => (err ? reject(err) : resolve())));
      }
    } catch (err) {
      close(pooled);
      throw err;
    }
    return pooled;
  }

  private async connect(target: SmtpTarget): Promise<SMTPConnection> {
    const common = {
      name: this.options.hostname,
      connectionTimeout: this.options.connectTimeoutMs,
      greetingTimeout: this.options.connectTimeoutMs,
      socketTimeout: SMTP_IDLE_TIMEOUT_MS,
      logger: false,
    } as const;
    let connection: SMTPConnection;
    if (target.kind === 'relay') {
      const { hop } = target;
      connection = new SMTPConnection({
        ...common,
        host: hop.host,
        port: hop.port,
        secure: hop.implicitTls,
        ...tlsOptions(hop.implicitTls ? 'required' : hop.tls, hop.allowInvalidCertificate),
      });
    } else {
      const mx = await mxConnect({
        target: target.domain,
        port: this.options.mxPort,
        maxConnectTime: this.options.connectTimeoutMs,
        dnsOptions: {
          blockLocalAddresses: this.options.blockLocalAddresses ?? true,
          ...(this.options.resolve ? { resolve: this.options.resolve } : {}),
        },
      });
      connection = new SMTPConnection({
        ...common,
        connection: mx.socket,
        host: mx.hostname,
        port: mx.port,
        ...tlsOptions(this.options.mxTls, false),
      });
    }
    // SMTPConnection reports a failed connect (refused, reset, TLS failure) only as an 'error'
    // event, never through connect()'s callback: listening for it is what keeps a dead next hop
    // from hanging the attempt forever. Later errors are passed to the send/login callbacks.
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        connection.removeListener('end', closed);
        reject(err);
      };
      const closed = () => fail(new Error(`connection closed by ${target.kind === 'relay' ? target.hop.host : target.domain} before the greeting`));
      connection.once('error', fail);
      connection.once('end', closed);
      connection.connect(() => {
        connection.removeListener('error', fail);
        connection.removeListener('end', closed);
        resolve();
      });
    });
    // An unheard 'error' event would crash the process.
    connection.on('error', () => undefined);
    return connection;
  }
}

function targetKey(target: SmtpTarget): string {
  return target.kind === 'relay'
    ? `relay:${target.hop.host}:${target.hop.port}:${target.hop.tls}:${target.hop.implicitTls}:${target.hop.auth?.user ?? ''}`
    : `mx:${target.domain}`;
}

function close(pooled: PooledConnection): void {
  pooled.alive = false;
  clearTimeout(pooled.idleTimer);
  pooled.connection.quit();
  // quit() waits for the server's reply; close() ends it even if the server never answers.
  setTimeout(() => pooled.connection.close(), 1000).unref();
}

function tlsOptions(mode: TlsMode, allowInvalidCertificate: boolean): Partial<SMTPConnection.Options> {
  switch (mode) {
    case 'off':
      return { ignoreTLS: true };
    case 'opportunistic':
      return { opportunisticTLS: true, tls: { rejectUnauthorized: false } };
    case 'required':
      return { requireTLS: true, tls: { rejectUnauthorized: !allowInvalidCertificate } };
  }
}

function allRecipients(to: readonly string[], outcome: DeliveryOutcome, reply: string): RecipientResult[] {
  return to.map((recipient) => ({ recipient, outcome, reply }));
}

function recipientOf(err: SMTPConnection.SMTPError): string {
  return String((err as { recipient?: unknown }).recipient ?? '');
}

/** 5xx is permanent; a DNS answer that the domain does not exist is too; anything else is retried. */
export function outcomeOfError(err: unknown): DeliveryOutcome {
  const e = err as { responseCode?: number; category?: string; temporary?: boolean } | undefined;
  if (typeof e?.responseCode === 'number') return e.responseCode >= 500 && e.responseCode < 600 ? 'bounced' : 'deferred';
  if (e?.category === 'dns' && !e.temporary) return 'bounced';
  return 'deferred';
}

function replyOf(err: unknown): string {
  const e = err as (SMTPConnection.SMTPError & MxConnectError) | undefined;
  return oneLine(e?.response || e?.message || String(err));
}

/** Replies are remote text: one line, printable, bounded. */
export function oneLine(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ').trim().slice(0, 500);
}
