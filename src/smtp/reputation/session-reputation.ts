/**
 * Reputation checks of an SMTP session, one call per phase, so the listener stays a list of
 * hooks (smtp/smtp-listener.ts):
 *   connect  DNS blocklists (dnsbl.ts): a zone configured to reject refuses the connection with
 *            554; other listings become DNSBL_LISTED findings of every message of the session
 *            (weighted by the zone's score), which the scanner adds to the analyzers' findings.
 *   MAIL     rate limits (rate-limiter.ts): messages per minute per client address (450) and per
 *            authenticated user (450).
 *   RCPT     greylisting (greylist.ts): an unknown triplet gets 451 4.7.1.
 * Clients in trustedNetworks and authenticated users are the organisation's own: no blocklist,
 * no greylisting, no per-address limit; an authenticated user has the per-sender limit.
 *
 * Fail open on the network, never on policy: a blocklist that does not answer lists nobody, but
 * a configured reject zone that answers "listed" always refuses. Greylisting state errors
 * (database busy) defer the recipient (451), which a real MTA retries.
 */
import type { Config } from '../../config/schema.js';
import type { Finding } from '../../core/finding.js';
import type { Database } from '../../store/database.js';
import { checkDnsbl, type BlocklistResolver } from './dnsbl.js';
import { Greylist } from './greylist.js';
import { SlidingWindowLimiter } from './rate-limiter.js';

/** An SMTP reply to send instead of going on. */
export interface ReputationReply {
  readonly code: number;
  readonly message: string;
}

export interface SessionReputationDeps {
  readonly config: () => Config;
  /** For DNS blocklists; without it no zone is asked. */
  readonly resolver?: BlocklistResolver;
  /** For greylisting state; without it greylisting is off. */
  readonly db?: Database;
  readonly now?: () => number;
}

export interface ConnectVerdict {
  readonly reply?: ReputationReply;
  /** Findings for every message of the session. */
  readonly findings: readonly Finding[];
}

export class SessionReputation {
  private readonly now: () => number;
  private readonly limiters = new Map<string, SlidingWindowLimiter>();
  private greylist?: Greylist;

  constructor(private readonly deps: SessionReputationDeps) {
    this.now = deps.now ?? Date.now;
  }

  async connect(clientAddress: string, trusted: boolean): Promise<ConnectVerdict> {
    const zones = this.deps.config().reputation.dnsbl;
    if (trusted || !this.deps.resolver || zones.length === 0) return { findings: [] };
    const hits = await checkDnsbl(clientAddress, zones, this.deps.resolver);
    const refusing = hits.find((h) => h.reject);
    if (refusing) {
      return { reply: { code: 554, message: `5.7.1 Service unavailable; client [${clientAddress}] blocked using ${refusing.zone}` }, findings: [] };
    }
    return {
      findings: hits.map((h) => ({ id: 'DNSBL_LISTED', detail: `${clientAddress} listed in ${h.zone} (${h.answer})`, weight: h.score })),
    };
  }

  mailFrom(clientAddress: string, authUser: string | undefined, trusted: boolean): ReputationReply | undefined {
    const { perIpPerMinute, perSenderPerMinute } = this.deps.config().reputation.rateLimits;
    const now = this.now();
    if (authUser !== undefined && perSenderPerMinute !== undefined && !this.limiter('sender', perSenderPerMinute).hit(authUser.toLowerCase(), now)) {
      return { code: 450, message: '4.7.1 Too many messages from this sender, slow down and try again later' };
    }
    if (authUser === undefined && !trusted && perIpPerMinute !== undefined && !this.limiter('ip', perIpPerMinute).hit(clientAddress, now)) {
      return { code: 450, message: '4.7.1 Too many messages from your address, try again later' };
    }
    return undefined;
  }

  async rcptTo(clientAddress: string, sender: string, recipient: string, exempt: boolean): Promise<ReputationReply | undefined> {
    const settings = this.deps.config().reputation.greylisting;
    if (exempt || !settings.enabled || !this.deps.db) return undefined;
    this.greylist ??= new Greylist(this.deps.db, settings);
    this.greylist.reconfigure(settings);
    let result: 'pass' | 'defer';
    try {
      result = await this.greylist.check(clientAddress, sender, recipient, this.now());
    } catch {
      result = 'defer';
    }
    return result === 'pass' ? undefined : { code: 451, message: '4.7.1 Greylisted, please try again later' };
  }

  /** One limiter per kind and limit, so a reloaded limit starts a fresh window. */
  private limiter(kind: 'ip' | 'sender', limit: number): SlidingWindowLimiter {
    const key = `${kind}:${limit}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      for (const k of this.limiters.keys()) if (k.startsWith(`${kind}:`)) this.limiters.delete(k);
      limiter = new SlidingWindowLimiter(limit);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}
