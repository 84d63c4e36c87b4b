/**
 * Rate limits for the embedded (single-node) mode: messages per minute per client address and
 * per authenticated sender, counted in memory over a sliding window of one minute (each key
 * keeps the times of its recent events, at most `limit` of them, so a flood costs bounded memory
 * per key; the number of keys is capped too, dropping the oldest). A cluster of gateways needs
 * shared counters: that variant belongs on Redis (DESIGN.md, cluster mode) and is not built yet.
 *
 * Contract: `hit` records an event and says whether it is within the limit; a refused event is
 * not recorded, so a client that keeps retrying while limited does not extend its own penalty.
 */

export const RATE_WINDOW_MS = 60_000;
/** Keys tracked at once (client addresses, senders); beyond it the least recently used go. */
export const MAX_RATE_KEYS = 100_000;

export class SlidingWindowLimiter {
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = RATE_WINDOW_MS,
    private readonly maxKeys = MAX_RATE_KEYS,
  ) {}

  /** True when the event is allowed (and then counted). */
  hit(key: string, now: number): boolean {
    const since = now - this.windowMs;
    const times = (this.events.get(key) ?? []).filter((t) => t > since);
    this.events.delete(key);
    if (times.length >= this.limit) {
      this.events.set(key, times);
      return false;
    }
    times.push(now);
    this.events.set(key, times);
    if (this.events.size > this.maxKeys) {
      const oldest = this.events.keys().next().value;
      if (oldest !== undefined) this.events.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.events.size;
  }
}
