import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { AUDIT_GENESIS_HASH, AuditLog } from '../../src/observe/audit-log.js';
import type { Actor } from '../../src/service/actor.js';
import { openDatabase, type Database } from '../../src/store/database.js';

const admin: Actor = { kind: 'cli', user: 'root' };

describe('AuditLog', () => {
  let dir: string;
  const opened: Database[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-audit-'));
  });
  after(async () => {
    for (const db of opened) await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  async function freshLog(name: string): Promise<{ db: Database; log: AuditLog }> {
    const db = await openDatabase({ dataDir: join(dir, name) });
    opened.push(db);
    return { db, log: new AuditLog(db) };
  }

  async function appendN(log: AuditLog, n: number): Promise<void> {
    for (let i = 1; i <= n; i++) await log.append({ actor: admin, action: 'test.action', target: `t${i}`, details: { i, b: 'x', a: [1, { z: 1, y: 2 }] } });
  }

  it('chains records from the genesis hash and verifies', async () => {
    const { log } = await freshLog('chain');
    assert.deepEqual(await log.verify(), { ok: true, records: 0, head: { seq: 0, hash: AUDIT_GENESIS_HASH } });
    await appendN(log, 5);
    const records = await log.list();
    assert.equal(records.length, 5);
    assert.equal(records[0]?.prevHash, AUDIT_GENESIS_HASH);
    assert.equal(records[0]?.actor, 'cli:root');
    assert.deepEqual(records[0]?.details, { a: [1, { y: 2, z: 1 }], b: 'x', i: 1 });
    for (let i = 1; i < records.length; i++) assert.equal(records[i]?.prevHash, records[i - 1]?.hash);
    const result = await log.verify();
    assert.equal(result.ok, true);
    assert.equal(result.records, 5);
    assert.deepEqual(result.ok && result.head, { seq: 5, hash: records[4]?.hash });
    const newest = await log.list({ limit: 2 });
    assert.deepEqual(newest.map((r) => r.seq), [4, 5]);
  });

  it('detects an edited record', async () => {
    const { db, log } = await freshLog('edited');
    await appendN(log, 5);
    await db.updateTable('audit_log').set({ target: 'someone-else' }).where('seq', '=', 3).execute();
    const result = await log.verify();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.brokenAt, 3);
    assert.match(!result.ok ? result.reason : '', /modified \(hash mismatch\)/);
  });

  it('detects an edited record whose hash was recomputed, at the next record', async () => {
    const { db, log } = await freshLog('rehashed');
    await appendN(log, 4);
    await db.updateTable('audit_log').set({ hash: 'f'.repeat(64) }).where('seq', '=', 2).execute();
    const result = await log.verify();
    assert.equal(result.ok, false);
    // Record 2's own hash no longer matches its content.
    assert.equal(!result.ok && result.brokenAt, 2);
  });

  it('detects a deleted middle record', async () => {
    const { db, log } = await freshLog('deleted');
    await appendN(log, 5);
    await db.deleteFrom('audit_log').where('seq', '=', 3).execute();
    const result = await log.verify();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.brokenAt, 3);
    assert.match(!result.ok ? result.reason : '', /record 3 is missing/);
  });

  it('detects a deleted middle record when the later ones were renumbered', async () => {
    const { db, log } = await freshLog('renumbered');
    await appendN(log, 5);
    await db.deleteFrom('audit_log').where('seq', '=', 3).execute();
    await sql`update audit_log set seq = seq - 1 where seq > 3`.execute(db);
    const result = await log.verify();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.brokenAt, 3);
    assert.match(!result.ok ? result.reason : '', /prev_hash mismatch/);
  });

  it('detects tail truncation through the head checkpoint', async () => {
    const { db, log } = await freshLog('truncated');
    await appendN(log, 5);
    await db.deleteFrom('audit_log').where('seq', '>', 3).execute();
    const result = await log.verify();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.brokenAt, 4);
    assert.match(!result.ok ? result.reason : '', /newest records were deleted/);
  });

  it('detects truncation with a rewritten checkpoint only against an external anchor (the documented limit)', async () => {
    const { db, log } = await freshLog('anchored');
    await appendN(log, 5);
    const before = await log.verify();
    assert.ok(before.ok);
    const anchor = before.head;
    await db.deleteFrom('audit_log').where('seq', '>', 3).execute();
    const row = await db.selectFrom('audit_log').select('hash').where('seq', '=', 3).executeTakeFirstOrThrow();
    await db.updateTable('audit_head').set({ seq: 3, hash: row.hash }).execute();
    assert.equal((await log.verify()).ok, true, 'a consistent rewrite of log and checkpoint is invisible from inside the file');
    const anchored = await log.verify({ expectHead: anchor });
    assert.equal(anchored.ok, false);
    assert.equal(!anchored.ok && anchored.brokenAt, 4);
  });

  it('accepts an older anchor when records were appended since, and refuses a wrong one', async () => {
    const { log } = await freshLog('older-anchor');
    await appendN(log, 2);
    const first = await log.verify();
    assert.ok(first.ok);
    await appendN(log, 2);
    assert.equal((await log.verify({ expectHead: first.head })).ok, true);
    const wrong = await log.verify({ expectHead: { seq: 2, hash: 'a'.repeat(64) } });
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.brokenAt, 2);
  });

  it('keeps the chain valid under concurrent appends from two instances on one file', async () => {
    const a = await freshLog('concurrent');
    const dbB = await openDatabase({ dataDir: join(dir, 'concurrent') });
    opened.push(dbB);
    const logB = new AuditLog(dbB);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      writes.push(a.log.append({ actor: admin, action: 'a', target: String(i) }));
      writes.push(logB.append({ actor: { kind: 'system', component: 'test' }, action: 'b', target: String(i) }));
    }
    await Promise.all(writes);
    const result = await a.log.verify();
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.records, 80);
  });
});

describe('AuditLog across processes', () => {
  it('keeps the chain valid when another process appends at the same time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-audit-proc-'));
    const db = await openDatabase({ dataDir: dir });
    try {
      const log = new AuditLog(db);
      await log.append({ actor: admin, action: 'init', target: 'x' });
      const moduleUrl = new URL('../../src/observe/audit-log.js', import.meta.url).href;
      const dbUrl = new URL('../../src/store/database.js', import.meta.url).href;
      const script = `
        const { AuditLog } = await import(${JSON.stringify(moduleUrl)});
        const { openDatabase } = await import(${JSON.stringify(dbUrl)});
        const db = await openDatabase({ dataDir: ${JSON.stringify(dir)} });
        const log = new AuditLog(db);
        for (let i = 0; i < 60; i++) await log.append({ actor: { kind: 'system', component: 'child' }, action: 'child', target: String(i) });
        await db.destroy();`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let running = true;
      const exited = once(child, 'exit').finally(() => (running = false));
      let parentAppends = 0;
      // Append until the child is done, so the two processes overlap for the child's whole run.
      while (running) {
        await log.append({ actor: admin, action: 'parent', target: String(parentAppends) });
        parentAppends += 1;
        // better-sqlite3 is synchronous: yield to the event loop so the child's exit is seen.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const [code] = (await exited) as [number];
      assert.equal(code, 0, stderr);
      const result = await log.verify();
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.records, 1 + 60 + parentAppends);
      const actions = (await log.list()).map((r) => r.action);
      const firstChild = actions.indexOf('child');
      assert.ok(firstChild > 0 && actions.lastIndexOf('parent') > firstChild, 'the appends interleaved');
    } finally {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
