/**
 * An SMTP listener: the inbound MX listener or the submission listener, built on smtp-server.
 *
 * SECURITY: this is the most exposed part of Portcullis. Every byte comes from the internet. It
 * handles SMTP framing and session policy only; it never parses message content (that happens
 * in sandbox processes, scan/). What it trusts: the configuration, the spool, the scanner's
 * verdict. What it enforces here, in the session:
 *   - connections: total, per client IP, per-session time and command count, messages per session;
 *   - RCPT: relay policy (never an open relay), recipient verification, one policy per transaction
 *     (a recipient with another policy gets 452 and is sent again separately);
 *   - DATA: SIZE (552), line endings normalised against smuggling, spool write errors -> 451;
 *     the verdict decides 250 / 550 / 451 before the final reply (before-queue filtering).
 * 250 is sent only after the spool commit resolved: the message and its envelope are on disk.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from 'pino';
import type { AcceptedDomain, Config } from '../config/schema.js';
import type { Envelope } from '../core/envelope.js';
import type { Finding } from '../core/finding.js';
import { isPortcullisError } from '../core/errors.js';
import { newQueueId } from '../core/queue-id.js';
import type { Verdict } from '../core/verdict.js';
import { messagesByAction, smtpActiveSessions, smtpConnections, smtpReplies } from '../observe/metrics.js';
import type { MessageSummary, TrackingSink } from '../observe/tracking-event.js';
import { GreetingSmtpServer } from './greeting-server.js';
import { LineEndingNormalizer } from './line-endings.js';
import { NetworkList } from './network-list.js';
import { receivedHeader } from './received-header.js';
import type { SessionReputation } from './reputation/session-reputation.js';
import { policyKey } from '../policy/rules.js';
import { routeRecipient, type RecipientRoute } from './recipient-route.js';
import type { TlsMaterial } from './tls-material.js';
import { verdictHeaders } from './verdict-headers.js';

export type ListenerKind = 'mx' | 'submission';

/** What the scanner tells the session about one message (ports declared where they are used). */
export interface SessionScanOutcome {
  readonly verdict: Verdict;
  readonly summary: Pick<MessageSummary, 'messageId' | 'subject' | 'fromHeader' | 'attachments' | 'authenticationResults' | 'urls'>;
}

export interface MessageScanner {
  /** `sessionFindings`: what the session learnt about the client (a blocklist listing), added to the analyzers' findings. */
  scan(job: { path: string; envelope: Envelope; sessionFindings?: readonly Finding[] }): Promise<SessionScanOutcome>;
}

export interface SpoolPort {
  createWriter(queueId: string): {
    readonly path: string;
    receive(source: AsyncIterable<Buffer>): Promise<{ size: number }>;
    commit(record: {
      version: 1;
      envelope: Envelope;
      prependHeaders: string;
      verdict: Verdict;
      recipients: { address: string; disposition: 'deliver' | 'quarantine' }[];
    }): Promise<void>;
    discard(): Promise<void>;
  };
}

export interface QueuePort {
  enqueue(queueId: string, record: Parameters<ReturnType<SpoolPort['createWriter']>['commit']>[0]): Promise<void>;
}

export interface RecipientVerifier {
  verify(domain: AcceptedDomain, address: string): Promise<'accept' | 'reject' | 'tempfail'>;
}

export interface SmtpListenerDeps {
  readonly kind: ListenerKind;
  /** The current configuration; SIGHUP swaps what this returns. */
  readonly config: () => Config;
  readonly tls: TlsMaterial;
  readonly logger: Logger;
  readonly spool: SpoolPort;
  readonly scanner: MessageScanner;
  readonly queue: QueuePort;
  readonly tracking: TrackingSink;
  readonly callout: RecipientVerifier;
  readonly authenticate: (username: string, password: string) => Promise<boolean>;
  readonly nodeName: string;
  readonly isDraining: () => boolean;
  /** Blocklists at connect, rate limits at MAIL, greylisting at RCPT (smtp/reputation/); absent: none. */
  readonly reputation?: SessionReputation;
}

/** Per-session state kept beside smtp-server's session (keyed by session id). */
interface SessionState {
  readonly startedAt: number;
  commands: number;
  messages: number;
  /** The policy key of the first accepted recipient of the current transaction. */
  transactionKey?: string;
  routes: Map<string, RecipientRoute>;
  /** Findings about the client, for every message of the session (reputation at connect). */
  findings: readonly Finding[];
  timer?: NodeJS.Timeout;
}

/** The parts of smtp-server's (private) connection object the listener relies on. */
interface SmtpServerConnection {
  _onCommand(command: Buffer, callback: () => void): void;
  send(code: number, data: string | string[], context?: string | false): void;
  close(): void;
}

const ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * smtp-server prefixes every reply with a generic enhanced status code for its numeric code
 * (550 -> 5.1.1 whatever the reason). Replies that already carry a precise one (5.7.1 relay
 * denied) are sent as written.
 */
function keepOwnEnhancedCodes(connection: SmtpServerConnection): void {
  const send = connection.send.bind(connection);
  connection.send = (code, data, context) => send(code, data, typeof data === 'string' && ENHANCED_CODE.test(data) ? false : context);
}

/** An SMTP reply as an error smtp-server understands (it sends `responseCode message`). */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export class SmtpListener {
  readonly server: GreetingSmtpServer;
  private readonly sessions = new Map<string, SessionState>();
  private readonly perIp = new Map<string, number>();
  private trustedNetworks: NetworkList;
  /** Transactions between the end of DATA and the final reply: drain waits for these. */
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: SmtpListenerDeps) {
    const config = deps.config();
    this.trustedNetworks = new NetworkList(config.trustedNetworks);
    const submission = deps.kind === 'submission';
    this.server = new GreetingSmtpServer({
      name: config.smtp.hostname,
      banner: 'Portcullis ESMTP',
      key: deps.tls.key,
      cert: deps.tls.cert,
      size: config.smtp.maxMessageSize,
      maxClients: config.smtp.maxConnections,
      socketTimeout: config.smtp.idleTimeoutSeconds * 1000,
      closeTimeout: 5000,
      useProxy: config.smtp.proxyProtocol,
      disableReverseLookup: true,
      hideENHANCEDSTATUSCODES: false,
      hideDSN: true,
      hideREQUIRETLS: true,
      logger: false,
      // AUTH only on the submission listener and only after TLS (allowInsecureAuth off).
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: !submission,
      allowInsecureAuth: false,
      disabledCommands: submission ? [] : ['AUTH'],
      onConnect: (session, callback) => {
        const refused = this.onConnect(session);
        if (refused || !deps.reputation) return callback(refused);
        this.screenClient(deps.reputation, session).then(callback, (err: Error) => callback(err));
      },
      onSecure: (_socket, session, callback) => {
        // AUTH is offered and accepted only once the session is encrypted.
        if (submission) session.disabledCommands = [];
        callback();
      },
      onClose: (session) => this.onClose(session),
      onAuth: (auth, _session, callback) => {
        const username = auth.username ?? '';
        deps.authenticate(username, auth.password ?? '').then(
          (ok) => (ok ? callback(null, { user: username }) : callback(reply(535, '5.7.8 Authentication credentials invalid'))),
          (err: unknown) => {
            deps.logger.error({ err, username }, 'authentication backend failed');
            callback(reply(454, '4.7.0 Temporary authentication failure'));
          },
        );
      },
      onMailFrom: (address, session, callback) => callback(this.onMailFrom(address, session)),
      onRcptTo: (address, session, callback) => {
        this.onRcptTo(address, session).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      },
      onData: (stream, session, callback) => {
        this.onData(stream, session).then(
          (message) => callback(null, message),
          (err: Error) => callback(err),
        );
      },
    }, config.smtp.greetPauseMs);
    this.server.on('error', (err) => deps.logger.warn({ err, listener: deps.kind }, 'smtp connection error'));
  }

  /** Applies a reloaded configuration to what can change without a restart. */
  reconfigure(config: Config): void {
    this.trustedNetworks = new NetworkList(config.trustedNetworks);
    const options = this.server.options as { size?: number; maxClients?: number; socketTimeout?: number; name?: string };
    options.size = config.smtp.maxMessageSize;
    options.maxClients = config.smtp.maxConnections;
    options.socketTimeout = config.smtp.idleTimeoutSeconds * 1000;
    options.name = config.smtp.hostname;
    this.server.greetPauseMs = config.smtp.greetPauseMs;
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const netServer = this.server.server;
    this.server.listen(port, host);
    await Promise.race([once(netServer, 'listening'), once(netServer, 'error').then(([err]) => Promise.reject(err as Error))]);
    const address = netServer.address();
    if (address === null || typeof address === 'string') throw new Error('smtp listener has no TCP address');
    return { host: address.address, port: address.port };
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Resolves when no transaction is between end of DATA and its final reply. */
  async idle(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnect(session: SMTPServerSession): Error | null {
    const config = this.deps.config();
    const connection = this.connectionOf(session);
    if (connection) keepOwnEnhancedCodes(connection);
    if (this.deps.kind === 'submission' && !session.secure) session.disabledCommands = ['AUTH'];
    if (this.deps.isDraining()) return reply(421, '4.3.2 Service shutting down, try again later');
    const ip = session.remoteAddress;
    const count = (this.perIp.get(ip) ?? 0) + 1;
    if (count > config.smtp.maxConnectionsPerIp) {
      smtpReplies.inc({ phase: 'connect', class: '4xx' });
      return reply(421, '4.7.0 Too many connections from your address, try again later');
    }
    this.perIp.set(ip, count);
    const state: SessionState = { startedAt: Date.now(), commands: 0, messages: 0, routes: new Map(), findings: [] };
    this.sessions.set(session.id, state);
    smtpConnections.inc({ listener: this.deps.kind });
    smtpActiveSessions.inc();
    if (connection) this.enforceSessionLimits(connection, state, config);
    else this.deps.logger.error({ session: session.id }, 'cannot attach session limits: smtp-server internals changed');
    return null;
  }

  /** Reputation at connect: a blocklist zone that rejects refuses the session; other listings are kept as findings. */
  private async screenClient(reputation: SessionReputation, session: SMTPServerSession): Promise<Error | null> {
    const verdict = await reputation.connect(session.remoteAddress, this.trustedNetworks.contains(session.remoteAddress));
    if (verdict.reply) {
      smtpReplies.inc({ phase: 'connect', class: '5xx' });
      return reply(verdict.reply.code, verdict.reply.message);
    }
    const state = this.sessions.get(session.id);
    if (state) state.findings = verdict.findings;
    return null;
  }

  private connectionOf(session: SMTPServerSession): SmtpServerConnection | undefined {
    return [...this.server.connections].find((c) => (c as { id?: string }).id === session.id) as SmtpServerConnection | undefined;
  }

  /**
   * Session time and command limits. smtp-server has no hook per command, so the connection's
   * command handler is wrapped (smtp-server is pinned to an exact version;
   * test/smtp/smtp-listener.test.ts would catch a change of this private interface).
   */
  private enforceSessionLimits(connection: SmtpServerConnection, state: SessionState, config: Config): void {
    const original = connection._onCommand.bind(connection);
    connection._onCommand = (command, callback) => {
      state.commands++;
      if (state.commands > this.deps.config().smtp.maxCommandsPerSession) {
        connection.send(421, '4.7.0 Too many commands in this session');
        connection.close();
        return;
      }
      original(command, callback);
    };
    state.timer = setTimeout(() => {
      connection.send(421, '4.4.2 Session time limit reached');
      connection.close();
    }, config.smtp.sessionTimeoutSeconds * 1000);
    state.timer.unref();
  }

  private onClose(session: SMTPServerSession): void {
    const state = this.sessions.get(session.id);
    if (!state) return;
    clearTimeout(state.timer);
    this.sessions.delete(session.id);
    smtpActiveSessions.dec();
    const ip = session.remoteAddress;
    const count = (this.perIp.get(ip) ?? 1) - 1;
    if (count <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, count);
  }

  private state(session: SMTPServerSession): SessionState {
    const state = this.sessions.get(session.id);
    if (!state) throw reply(421, '4.3.0 Session state lost');
    return state;
  }

  private onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession): Error | null {
    const state = this.state(session);
    if (this.deps.isDraining()) return reply(421, '4.3.2 Service shutting down, try again later');
    if (state.messages >= this.deps.config().smtp.maxMessagesPerSession) {
      return reply(421, '4.7.0 Too many messages in this session, reconnect to send more');
    }
    const limited = this.deps.reputation?.mailFrom(session.remoteAddress, session.user ? String(session.user) : undefined, this.trustedNetworks.contains(session.remoteAddress));
    if (limited) {
      smtpReplies.inc({ phase: 'mail', class: '4xx' });
      return reply(limited.code, limited.message);
    }
    state.transactionKey = undefined;
    state.routes = new Map();
    return null;
  }

  private async onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const config = this.deps.config();
    const state = this.state(session);
    const recipient = address.address;
    if (state.routes.size >= config.smtp.maxRecipients) {
      throw reply(452, '4.5.3 Too many recipients');
    }
    const mayRelay = Boolean(session.user) || this.trustedNetworks.contains(session.remoteAddress);
    const route = routeRecipient(config, { recipient, mayRelay });
    if (route.kind === 'denied') {
      smtpReplies.inc({ phase: 'rcpt', class: '5xx' });
      throw reply(550, '5.7.1 Relay access denied');
    }
    if (route.kind === 'inbound') await this.verifyRecipient(route.domain, recipient);
    const greylisted = await this.deps.reputation?.rcptTo(session.remoteAddress, session.envelope.mailFrom ? session.envelope.mailFrom.address : '', recipient, mayRelay);
    if (greylisted) {
      smtpReplies.inc({ phase: 'rcpt', class: '4xx' });
      throw reply(greylisted.code, greylisted.message);
    }
    // One DATA reply serves every recipient, so one transaction carries one policy.
    const key = policyKey(config, recipient, route.direction, session.remoteAddress);
    if (state.transactionKey !== undefined && state.transactionKey !== key) {
      throw reply(452, '4.5.3 Recipient has a different policy than the first one: send it in a separate transaction');
    }
    state.transactionKey = key;
    state.routes.set(recipient, route);
  }

  private async verifyRecipient(domain: AcceptedDomain, recipient: string): Promise<void> {
    const rule = domain.recipients;
    if (rule.verify === 'none') return;
    if (rule.verify === 'static') {
      const lower = recipient.toLowerCase();
      const local = lower.slice(0, lower.lastIndexOf('@'));
      if (!rule.addresses.some((a) => a.toLowerCase() === lower || a.toLowerCase() === local)) {
        smtpReplies.inc({ phase: 'rcpt', class: '5xx' });
        throw reply(550, '5.1.1 Recipient address rejected: user unknown');
      }
      return;
    }
    const result = await this.deps.callout.verify(domain, recipient);
    if (result === 'reject') {
      smtpReplies.inc({ phase: 'rcpt', class: '5xx' });
      throw reply(550, '5.1.1 Recipient address rejected: user unknown');
    }
    if (result === 'tempfail') throw reply(450, '4.4.3 Recipient verification temporarily unavailable, try again later');
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const state = this.state(session);
    state.messages++;
    this.inFlight++;
    try {
      return await this.receive(stream, session, state);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession, state: SessionState): Promise<string> {
    const config = this.deps.config();
    const queueId = newQueueId();
    const writer = this.deps.spool.createWriter(queueId);
    const normalizer = new LineEndingNormalizer();
    stream.pipe(normalizer);
    let size: number;
    try {
      ({ size } = await writer.receive(normalizer));
    } catch (err) {
      await drain(stream, normalizer);
      await writer.discard().catch(() => undefined);
      this.deps.logger.error({ err, queueId }, 'spool write failed');
      smtpReplies.inc({ phase: 'data', class: '4xx' });
      throw reply(451, `4.3.0 Local error in processing (spool), try again later [${queueId}]`);
    }
    if (stream.sizeExceeded) {
      await writer.discard();
      smtpReplies.inc({ phase: 'data', class: '5xx' });
      throw reply(552, `5.3.4 Message size exceeds fixed limit of ${config.smtp.maxMessageSize} bytes`);
    }

    const first = state.routes.values().next().value;
    const direction = first && first.kind !== 'denied' ? first.direction : 'inbound';
    const tlsInfo = session.tlsOptions;
    const envelope: Envelope = {
      queueId,
      clientAddress: session.remoteAddress,
      clientPort: session.remotePort,
      helo: String(session.hostNameAppearsAs || ''),
      ...(tlsInfo ? { tls: { protocol: String(tlsInfo.version ?? ''), cipher: String(tlsInfo.name ?? '') } } : {}),
      ...(session.user ? { authUser: String(session.user) } : {}),
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
      direction,
      receivedAt: Date.now(),
      size,
    };

    let outcome: SessionScanOutcome;
    try {
      outcome = await this.deps.scanner.scan({ path: writer.path, envelope, sessionFindings: state.findings });
    } catch (err) {
      // The scanner facade turns sandbox failures into tempfail verdicts; an exception here is
      // a bug. Fail closed: the client retries, nothing is lost.
      await writer.discard().catch(() => undefined);
      this.deps.logger.error({ err, queueId }, 'scanner failed');
      smtpReplies.inc({ phase: 'data', class: '4xx' });
      throw reply(451, `4.7.1 Message could not be scanned, try again later [${queueId}]`);
    }
    const { verdict } = outcome;
    this.track(envelope, outcome);
    messagesByAction.inc({ action: verdict.action, direction });

    if (verdict.action === 'reject' || verdict.action === 'tempfail') {
      await writer.discard().catch((err: unknown) => this.deps.logger.warn({ err, queueId }, 'discarding a refused message failed'));
      this.deps.tracking.event({ queueId, kind: verdict.action === 'reject' ? 'rejected' : 'tempfailed', detail: verdict.rule });
      this.deps.logger.info({ queueId, action: verdict.action, rule: verdict.rule, score: verdict.score }, 'message refused');
      if (verdict.action === 'reject') {
        smtpReplies.inc({ phase: 'data', class: '5xx' });
        throw reply(550, `5.7.1 Message rejected by policy (${verdict.rule}) [${queueId}]`);
      }
      smtpReplies.inc({ phase: 'data', class: '4xx' });
      throw reply(451, `4.7.1 Message could not be scanned now (${verdict.rule}), try again later [${queueId}]`);
    }

    const protocol = `${session.user ? 'ESMTPSA' : tlsInfo ? 'ESMTPS' : 'ESMTP'}`;
    const record = {
      version: 1 as const,
      envelope,
      prependHeaders: receivedHeader(envelope, config.smtp.hostname, protocol) + (outcome.summary.authenticationResults ?? '') + verdictHeaders(verdict, queueId),
      verdict,
      recipients: envelope.rcptTo.map((address) => ({
        address,
        disposition: verdict.action === 'quarantine' ? ('quarantine' as const) : ('deliver' as const),
      })),
    };
    try {
      await writer.commit(record);
    } catch (err) {
      await writer.discard().catch(() => undefined);
      this.deps.logger.error({ err, queueId, code: isPortcullisError(err) ? err.code : undefined }, 'spool commit failed');
      smtpReplies.inc({ phase: 'data', class: '4xx' });
      throw reply(451, `4.3.0 Local error in processing (spool), try again later [${queueId}]`);
    }
    // Committed: the message is safe on disk. Its tracking event comes first (delivery, in the
    // delivery thread, may record the next one within milliseconds). If enqueueing fails,
    // recovery rebuilds the queue rows from the spool, so the 250 below is still true.
    this.deps.tracking.event({ queueId, kind: verdict.action === 'quarantine' ? 'quarantined' : 'received', detail: verdict.rule });
    await this.deps.queue.enqueue(queueId, record).catch((err: unknown) => this.deps.logger.error({ err, queueId }, 'enqueue failed; recovery will requeue'));
    this.deps.logger.info({ queueId, action: verdict.action, score: verdict.score, rcpts: envelope.rcptTo.length, size }, 'message accepted');
    smtpReplies.inc({ phase: 'data', class: '2xx' });
    return `2.0.0 Ok: queued as ${queueId}`;
  }

  private track(envelope: Envelope, outcome: SessionScanOutcome): void {
    const { verdict, summary } = outcome;
    this.deps.tracking.message({
      queueId: envelope.queueId,
      receivedAt: envelope.receivedAt,
      node: this.deps.nodeName,
      direction: envelope.direction,
      clientAddress: envelope.clientAddress,
      helo: envelope.helo,
      ...(envelope.tls ? { tls: `${envelope.tls.protocol} ${envelope.tls.cipher}` } : {}),
      ...(envelope.authUser ? { authUser: envelope.authUser } : {}),
      mailFrom: envelope.mailFrom,
      rcptTo: envelope.rcptTo,
      ...(summary.messageId !== undefined ? { messageId: summary.messageId } : {}),
      ...(summary.subject !== undefined ? { subject: summary.subject } : {}),
      ...(summary.fromHeader !== undefined ? { fromHeader: summary.fromHeader } : {}),
      ...(summary.authenticationResults !== undefined ? { authenticationResults: summary.authenticationResults } : {}),
      size: envelope.size,
      action: verdict.action,
      score: verdict.score,
      rule: verdict.rule,
      findings: verdict.findings.map((f) => ({ id: f.id, score: f.score, detail: f.detail })),
      ...(summary.attachments ? { attachments: summary.attachments } : {}),
      ...(summary.urls ? { urls: summary.urls } : {}),
    });
  }
}

/** Consumes what is left of the DATA stream so smtp-server can send the final reply. */
async function drain(stream: SMTPServerDataStream, normalizer: Readable): Promise<void> {
  normalizer.resume();
  if (!stream.readableEnded) await once(stream, 'end').catch(() => undefined);
}
