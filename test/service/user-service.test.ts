import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPortcullisError } from '../../src/core/errors.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import type { Actor } from '../../src/service/actor.js';
import type { ServiceContext } from '../../src/service/service-context.js';
import { addUser, listUsers, removeUser, setUserPassword, verifyUserPassword } from '../../src/service/user-service.js';
import { openDatabase } from '../../src/store/database.js';

const admin: Actor = { kind: 'cli', user: 'operator' };
const PASSWORD = 'correct horse battery staple';

describe('user service', () => {
  let ctx: ServiceContext;
  before(async () => {
    const db = await openDatabase({ dataDir: ':memory:' });
    ctx = { db, audit: new AuditLog(db) };
  });
  after(async () => {
    await ctx.db.destroy();
  });

  it('adds a user with an argon2id hash and an audit record without the password', async () => {
    const added = await addUser(ctx, admin, { username: 'Alice@Example.org', password: PASSWORD });
    assert.equal(added.username, 'alice@example.org');
    const row = await ctx.db.selectFrom('users').selectAll().where('username', '=', 'alice@example.org').executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^\$argon2id\$/);
    assert.ok(!row.password_hash.includes(PASSWORD));
    const records = await ctx.audit.list();
    const last = records.at(-1);
    assert.equal(last?.action, 'user.add');
    assert.equal(last?.target, 'alice@example.org');
    assert.equal(last?.actor, 'cli:operator');
    assert.ok(!JSON.stringify(records).includes(PASSWORD));
    assert.ok(!JSON.stringify(records).includes(row.password_hash));
    assert.deepEqual((await listUsers(ctx)).map((u) => u.username), ['alice@example.org']);
  });

  it('verifies the password, case-insensitively on the username only', async () => {
    assert.equal(await verifyUserPassword(ctx, 'alice@example.org', PASSWORD), true);
    assert.equal(await verifyUserPassword(ctx, 'ALICE@example.org', PASSWORD), true);
    assert.equal(await verifyUserPassword(ctx, 'alice@example.org', PASSWORD.toUpperCase()), false);
    assert.equal(await verifyUserPassword(ctx, 'alice@example.org', ''), false);
    assert.equal(await verifyUserPassword(ctx, 'nobody@example.org', PASSWORD), false);
    assert.equal(await verifyUserPassword(ctx, 'not a valid name!', PASSWORD), false);
    assert.equal(await verifyUserPassword(ctx, 'alice@example.org', PASSWORD + 'x'.repeat(2000)), false);
  });

  it('costs about the same for an absent user as for a wrong password (no enumeration by timing)', async () => {
    const time = async (username: string): Promise<number> => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) await verifyUserPassword(ctx, username, 'wrong password');
      return Number(process.hrtime.bigint() - start);
    };
    await time('warm-up');
    const present = await time('alice@example.org');
    const absent = await time('nobody@example.org');
    // Both run argon2 at the same cost; a lookup-only path would be orders of magnitude faster.
    assert.ok(absent > present / 3, `absent ${absent}ns vs present ${present}ns`);
  });

  it('refuses duplicates, bad usernames and short passwords without an audit record', async () => {
    const before = (await ctx.audit.list()).length;
    await assert.rejects(addUser(ctx, admin, { username: 'alice@example.org', password: PASSWORD }), /already exists/);
    await assert.rejects(addUser(ctx, admin, { username: 'bad name', password: PASSWORD }), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
    await assert.rejects(addUser(ctx, admin, { username: '../etc', password: PASSWORD }), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
    await assert.rejects(addUser(ctx, admin, { username: 'bob', password: 'short' }), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
    assert.equal((await ctx.audit.list()).length, before);
    assert.deepEqual((await listUsers(ctx)).map((u) => u.username), ['alice@example.org']);
  });

  it('rotates a password', async () => {
    await addUser(ctx, admin, { username: 'bob', password: PASSWORD });
    await setUserPassword(ctx, admin, { username: 'bob', password: 'another long password' });
    assert.equal(await verifyUserPassword(ctx, 'bob', PASSWORD), false);
    assert.equal(await verifyUserPassword(ctx, 'bob', 'another long password'), true);
    assert.equal((await ctx.audit.list()).at(-1)?.action, 'user.password');
    await assert.rejects(setUserPassword(ctx, admin, { username: 'nobody', password: PASSWORD }), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_NOT_FOUND'));
  });

  it('removes a user with an audit record; removing an absent user is NOT_FOUND and unaudited', async () => {
    await removeUser(ctx, admin, 'bob');
    assert.equal(await verifyUserPassword(ctx, 'bob', 'another long password'), false);
    const records = await ctx.audit.list();
    assert.equal(records.at(-1)?.action, 'user.remove');
    assert.equal(records.at(-1)?.target, 'bob');
    await assert.rejects(removeUser(ctx, admin, 'bob'), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_NOT_FOUND'));
    assert.equal((await ctx.audit.list()).length, records.length);
    assert.equal((await ctx.audit.verify()).ok, true);
  });

  it('refuses API users and system components, leaving no trace', async () => {
    const before = (await ctx.audit.list()).length;
    const apiUser: Actor = { kind: 'api', user: 'mallory', role: 'user' };
    const system: Actor = { kind: 'system', component: 'delivery' };
    for (const actor of [apiUser, system]) {
      await assert.rejects(addUser(ctx, actor, { username: 'mallory', password: PASSWORD }), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_FORBIDDEN'));
      await assert.rejects(removeUser(ctx, actor, 'alice@example.org'), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_FORBIDDEN'));
      await assert.rejects(setUserPassword(ctx, actor, { username: 'alice@example.org', password: PASSWORD }), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_FORBIDDEN'));
    }
    assert.equal((await ctx.audit.list()).length, before);
    assert.equal(await verifyUserPassword(ctx, 'alice@example.org', PASSWORD), true);
    await addUser(ctx, { kind: 'api', user: 'root', role: 'admin' }, { username: 'carol', password: PASSWORD });
    assert.equal((await ctx.audit.list()).at(-1)?.actor, 'api:root');
  });
});
