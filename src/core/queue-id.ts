/**
 * Queue ids: ULIDs (time-ordered, 26 Crockford base32 characters). A ULID's 80 random bits make
 * ids unique across nodes without coordination. Ids are also used as file names in the spool,
 * so `isQueueId` is checked before any id from outside (CLI, API) touches a path.
 */
import { monotonicFactory } from 'ulid';

const next = monotonicFactory();
const QUEUE_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function newQueueId(): string {
  return next();
}

export function isQueueId(value: string): boolean {
  return QUEUE_ID.test(value);
}
