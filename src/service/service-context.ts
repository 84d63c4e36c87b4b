/**
 * What every service function receives: the database it changes and the audit log it appends
 * to. The CLI builds one from its context; the gateway and the HTTP API build one at start-up.
 */
import type { AuditLog } from '../observe/audit-log.js';
import type { Database } from '../store/database.js';

export interface ServiceContext {
  readonly db: Database;
  readonly audit: AuditLog;
}
