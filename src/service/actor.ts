/**
 * Who is acting: every state change in service/ names its actor, which the audit record keeps.
 * The CLI acts as the local operating-system user; the API as an authenticated account; the
 * gateway itself as `system` (expiry, retries).
 */
export type Actor =
  | { readonly kind: 'cli'; readonly user: string }
  | { readonly kind: 'api'; readonly user: string; readonly role: 'admin' | 'user' }
  | { readonly kind: 'system'; readonly component: string };

export function describeActor(actor: Actor): string {
  switch (actor.kind) {
    case 'cli':
      return `cli:${actor.user}`;
    case 'api':
      return `api:${actor.user}`;
    case 'system':
      return `system:${actor.component}`;
  }
}
