/**
 * Removes a message's spool files once no recipient needs them: none queued, deferred or
 * quarantined. The same rule the delivery queue applies after an attempt; here for the
 * quarantine's delete and expiry, which can leave the last reference gone.
 *
 * Crash semantics: the rows are changed first and the files removed after; a crash between the
 * two leaves files that DeliveryQueue.recover() removes at the next start (all recipients final).
 */
import { PENDING_STATUSES } from '../deliver/delivery-queue.js';
import type { SpoolStore } from '../spool/spool-store.js';
import type { Database } from '../store/database.js';

/** True when the files were removed. */
export async function removeIfUnreferenced(db: Database, spool: Pick<SpoolStore, 'remove'>, queueId: string): Promise<boolean> {
  const waiting = await db
    .selectFrom('recipient_state')
    .select('recipient')
    .where('queue_id', '=', queueId)
    .where('status', 'in', [...PENDING_STATUSES, 'quarantined'])
    .executeTakeFirst();
  if (waiting) return false;
  await spool.remove(queueId);
  return true;
}
