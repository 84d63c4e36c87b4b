/**
 * The ordered list of migrations. Names sort in order of application; a migration is never
 * edited after it has landed, only followed by another. Migrations create tables and indexes
 * only: no triggers, views or procedures (DESIGN.md invariant 5).
 */
import type { Migration } from 'kysely';
import { schemaInfo } from './0001-schema-info.js';
import { tracking } from './0002-tracking.js';
import { delivery } from './0003-delivery.js';
import { audit } from './0004-audit.js';
import { users } from './0005-users.js';
import { dkimKeys } from './0006-dkim-keys.js';
import { bayes } from './0007-bayes.js';
import { greylist } from './0008-greylist.js';
import { trackingUrls } from './0009-tracking-urls.js';
import { seenSenders } from './0010-seen-senders.js';

export const migrations: Record<string, Migration> = {
  '0001-schema-info': schemaInfo,
  '0002-tracking': tracking,
  '0003-delivery': delivery,
  '0004-audit': audit,
  '0005-users': users,
  '0006-dkim-keys': dkimKeys,
  '0007-bayes': bayes,
  '0008-greylist': greylist,
  '0009-tracking-urls': trackingUrls,
  '0010-seen-senders': seenSenders,
};
