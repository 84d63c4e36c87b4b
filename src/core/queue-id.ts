/**
 * Queue ids: ULIDs (time-ordered, 26 Crockford base32 characters). A ULID's 80 random bits make
 * ids unique across nodes without coordination. Ids are also used as file names in the spool,
 * so `isQueueId` is checked before any id from outside (CLI, API) touches a path.
 */
import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * ulid draws one random fraction per character, by default each from its own crypto call (about
 * 27 µs an id: 3% of `portcullis scan`'s CPU per message); these come from a pool of
 * crypto-random 32-bit words refilled in one call.
 */
const randomWords = new Uint32Array(256);
let nextWord = randomWords.length;
function pooledRandom(): number {
  if (nextWord >= randomWords.length) {
    randomFillSync(randomWords);
    nextWord = 0;
  }
  return (randomWords[nextWord++] as number) / 0x1_0000_0000;
}

const next = monotonicFactory(pooledRandom);
const QUEUE_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function newQueueId(): string {
  return next();
}

export function isQueueId(value: string): boolean {
  return QUEUE_ID.test(value);
}
