/**
 * Who may do what (DESIGN.md invariant 7): every service function that changes state calls
 * `authorize` first. The table is small and explicit on purpose: a new action is refused to
 * everyone but administrators until a line here grants it.
 *
 * - `cli`: whoever can run the CLI on the gateway's host already controls its files, so the CLI
 *   is an administrator.
 * - `api` with role `admin`: everything; role `user`: only what SELF_SERVICE lists (nothing yet:
 *   per-user quarantine comes with the web console), never user or queue management.
 * - `system`: only what its component needs (SYSTEM_GRANTS); a component not listed may do nothing.
 */
import { PortcullisError } from '../core/errors.js';
import { describeActor, type Actor } from './actor.js';

export const SERVICE_ACTIONS = [
  'user.add',
  'user.remove',
  'user.password',
  'queue.retry',
  'queue.delete',
  'quarantine.release',
  'quarantine.delete',
  'dkim.keygen',
  'dkim.activate',
  'dkim.remove',
  'bayes.train',
] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

/** What a system component may do on its own. */
const SYSTEM_GRANTS: ReadonlyMap<string, readonly ServiceAction[]> = new Map<string, readonly ServiceAction[]>([
  ['delivery', ['queue.retry', 'queue.delete']],
  ['quarantine', ['quarantine.release', 'quarantine.delete']],
  ['quarantine-retention', ['quarantine.delete']],
]);

/** What an API account with role `user` may do. */
const SELF_SERVICE: readonly ServiceAction[] = [];

export function mayPerform(actor: Actor, action: ServiceAction): boolean {
  switch (actor.kind) {
    case 'cli':
      return true;
    case 'api':
      return actor.role === 'admin' || SELF_SERVICE.includes(action);
    case 'system':
      return SYSTEM_GRANTS.get(actor.component)?.includes(action) ?? false;
  }
}

/** Throws PORTCULLIS_ERR_FORBIDDEN unless `actor` may perform `action`. */
export function authorize(actor: Actor, action: ServiceAction): void {
  if (!mayPerform(actor, action)) {
    throw new PortcullisError('PORTCULLIS_ERR_FORBIDDEN', `${describeActor(actor)} may not perform ${action}`);
  }
}
