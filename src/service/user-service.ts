/**
 * SMTP AUTH accounts as service functions: add, remove, change a password, list, and the
 * password check the submission listener calls.
 *
 * Secrets (DESIGN.md invariant 8): passwords are hashed with argon2id and only the hash is
 * stored; no password reaches a log, an error or the audit log. The check costs the same whether
 * or not the user exists (an absent user is checked against a dummy hash), so timing does not
 * tell an attacker which accounts exist, and argon2's own comparison is constant-time.
 *
 * Each change is authorised (service/authorize.ts) and committed in one transaction with its
 * audit record (observe/audit-log.ts).
 *
 * Trusts: nothing about usernames and passwords; both are validated and bounded here.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { PortcullisError } from '../core/errors.js';
import type { Actor } from './actor.js';
import { authorize } from './authorize.js';
import type { ServiceContext } from './service-context.js';

/** argon2id (the library's default algorithm) at OWASP's recommended cost: 19 MiB, 2 passes. */
const HASH_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
/** Bounds the work an unauthenticated client can ask argon2 to do. */
export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_USERNAME_LENGTH = 254;

/** A simple local name (alice, mail.bot) or an address-like name (alice@example.org), lower case. */
const USERNAME_PATTERN = /^[a-z0-9](?:[a-z0-9._+-]*[a-z0-9_])?(?:@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)?$/;

export interface UserInfo {
  readonly username: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewUser {
  readonly username: string;
  readonly password: string;
}

/** Usernames are compared in lower case, as mail addresses are in practice. */
export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function isValidUsername(username: string): boolean {
  return username.length <= MAX_USERNAME_LENGTH && USERNAME_PATTERN.test(username);
}

export async function addUser(ctx: ServiceContext, actor: Actor, user: NewUser): Promise<UserInfo> {
  authorize(actor, 'user.add');
  const username = checkUsername(user.username);
  const passwordHash = await hash(checkPassword(user.password), HASH_OPTIONS);
  const now = Date.now();
  await ctx.audit.append({ actor, action: 'user.add', target: username }, async (db) => {
    const existing = await db.selectFrom('users').select('username').where('username', '=', username).executeTakeFirst();
    if (existing) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `user ${username} already exists`);
    await db.insertInto('users').values({ username, password_hash: passwordHash, created_at: now, updated_at: now }).execute();
  });
  return { username, createdAt: now, updatedAt: now };
}

/** Replaces a user's password (rotation, DESIGN.md invariant 8). */
export async function setUserPassword(ctx: ServiceContext, actor: Actor, user: NewUser): Promise<void> {
  authorize(actor, 'user.password');
  const username = checkUsername(user.username);
  const passwordHash = await hash(checkPassword(user.password), HASH_OPTIONS);
  await ctx.audit.append({ actor, action: 'user.password', target: username }, async (db) => {
    const result = await db.updateTable('users').set({ password_hash: passwordHash, updated_at: Date.now() }).where('username', '=', username).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no user ${username}`);
  });
}

export async function removeUser(ctx: ServiceContext, actor: Actor, username: string): Promise<void> {
  authorize(actor, 'user.remove');
  const name = checkUsername(username);
  await ctx.audit.append({ actor, action: 'user.remove', target: name }, async (db) => {
    const result = await db.deleteFrom('users').where('username', '=', name).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no user ${name}`);
  });
}

export async function listUsers(ctx: ServiceContext): Promise<UserInfo[]> {
  const rows = await ctx.db.selectFrom('users').select(['username', 'created_at', 'updated_at']).orderBy('username').execute();
  return rows.map((r) => ({ username: r.username, createdAt: r.created_at, updatedAt: r.updated_at }));
}

/** True only for an existing user with this password; never throws for bad input. */
export async function verifyUserPassword(ctx: ServiceContext, username: string, password: string): Promise<boolean> {
  // Started before the lookup, so even the first attempt costs the same for absent and present users.
  const fallback = dummyHash();
  const name = normaliseUsername(username);
  const row =
    isValidUsername(name) ? await ctx.db.selectFrom('users').select('password_hash').where('username', '=', name).executeTakeFirst() : undefined;
  // Over-long passwords are refused, but only after the same argon2 work as any other attempt.
  const candidate = password.length <= MAX_PASSWORD_LENGTH ? password : password.slice(0, MAX_PASSWORD_LENGTH);
  let matches: boolean;
  try {
    matches = await verify(row?.password_hash ?? (await fallback), candidate);
  } catch {
    matches = false;
  }
  return matches && row !== undefined && password.length <= MAX_PASSWORD_LENGTH;
}

let dummy: Promise<string> | undefined;
/** A hash of a random password with the same cost, so an absent user costs a real verification. */
function dummyHash(): Promise<string> {
  dummy ??= hash(randomBytes(32).toString('base64'), HASH_OPTIONS);
  return dummy;
}

function checkUsername(username: string): string {
  const name = normaliseUsername(username);
  if (!isValidUsername(name)) {
    throw new PortcullisError(
      'PORTCULLIS_ERR_INVALID_ARGUMENT',
      `invalid username ${JSON.stringify(username.slice(0, 64))}: use a simple name (letters, digits, . _ + -) or an address like alice@example.org`,
    );
  }
  return name;
}

function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `a password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`);
  }
  return password;
}
