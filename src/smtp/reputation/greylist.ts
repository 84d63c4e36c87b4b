/**
 * Greylisting (`reputation.greylisting`): the first attempt of an unknown triplet (client network,
 * envelope sender, recipient) is answered 451 4.7.1 at RCPT; a retry after `delaySeconds` passes,
 * and so does every later message of the triplet. Real MTAs retry; much bulk and botnet mail
 * never does. The client is taken as its /24 (IPv4) or /64 (IPv6), because large senders retry
 * from another address of the same pool.
 *
 * State is in the database (table greylist, store/migrations/0008-greylist.ts), so it survives a
 * restart. Bounded: triplets that never passed expire after a day, passed ones after
 * `retentionDays` without mail, and the table is capped at MAX_GREYLIST_ROWS (oldest first).
 *
 * Trust: sender and recipient are envelope addresses from the client: only compared, stored
 * lower case, bounded in length.
 */
import { isIP } from 'node:net';
import type { Database } from '../../store/database.js';

export const MAX_GREYLIST_ROWS = 200_000;
/** A triplet that never came back within this long was not a real MTA. */
export const UNPASSED_TTL_MS = 24 * 3600_000;
/** Inserts between two prunes. */
const PRUNE_EVERY = 500;
const MAX_ADDRESS_CHARS = 320;

export interface GreylistSettings {
  readonly delaySeconds: number;
  readonly retentionDays: number;
}

export type GreylistResult = 'pass' | 'defer';

/** The client's network as greylisting sees it: /24 for IPv4, /64 for IPv6. */
export function greylistNetwork(address: string): string {
  const ip = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(ip) === 4) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIP(ip) === 6) {
    const [head = ''] = ip.split('::');
    const groups = ip.includes('::') ? head.split(':').filter(Boolean) : ip.split(':');
    return `${[...groups, '0', '0', '0', '0'].slice(0, 4).join(':')}::/64`;
  }
  return address;
}

export class Greylist {
  private inserts = 0;

  constructor(
    private readonly db: Database,
    private settings: GreylistSettings,
  ) {}

  reconfigure(settings: GreylistSettings): void {
    this.settings = settings;
  }

  async check(clientAddress: string, sender: string, recipient: string, now: number): Promise<GreylistResult> {
    const triplet = [greylistNetwork(clientAddress), sender, recipient].map((s) => s.toLowerCase().slice(0, MAX_ADDRESS_CHARS)).join('|');
    const row = await this.db.selectFrom('greylist').selectAll().where('triplet', '=', triplet).executeTakeFirst();
    if (!row) {
      await this.db.insertInto('greylist').values({ triplet, first_seen: now, passed_at: null, last_seen: now }).onConflict((oc) => oc.doNothing()).execute();
      if (++this.inserts % PRUNE_EVERY === 0) await this.prune(now);
      return 'defer';
    }
    if (row.passed_at !== null) {
      await this.db.updateTable('greylist').set({ last_seen: now }).where('triplet', '=', triplet).execute();
      return 'pass';
    }
    if (now - row.first_seen < this.settings.delaySeconds * 1000) return 'defer';
    await this.db.updateTable('greylist').set({ passed_at: now, last_seen: now }).where('triplet', '=', triplet).execute();
    return 'pass';
  }

  /** Drops expired triplets, then the oldest beyond the cap. */
  async prune(now: number): Promise<void> {
    await this.db.deleteFrom('greylist').where('passed_at', 'is', null).where('first_seen', '<', now - UNPASSED_TTL_MS).execute();
    await this.db.deleteFrom('greylist').where('last_seen', '<', now - this.settings.retentionDays * 24 * 3600_000).execute();
    const count = await this.db.selectFrom('greylist').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const excess = Number(count.n) - MAX_GREYLIST_ROWS;
    if (excess > 0) {
      const oldest = this.db.selectFrom('greylist').select('triplet').orderBy('last_seen').limit(excess);
      await this.db.deleteFrom('greylist').where('triplet', 'in', oldest).execute();
    }
  }
}
