import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { isPortcullisError } from '../../src/core/errors.js';
import { openDatabase } from '../../src/store/database.js';

describe('openDatabase integrity check (DESIGN.md invariant 5)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-store-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a clean database, then refuses it once a trigger has been planted in the file', async () => {
    const dataDir = join(dir, 'trigger');
    const db = await openDatabase({ dataDir });
    await db.destroy();

    // What SUBMARINE did to Barracuda's ESG: a trigger that runs on every write.
    const raw = new SQLite(join(dataDir, 'portcullis.sqlite'));
    raw.exec(`create trigger submarine after insert on audit_log begin delete from audit_log where seq = new.seq; end`);
    raw.close();

    await assert.rejects(
      openDatabase({ dataDir }),
      (err) => isPortcullisError(err, 'PORTCULLIS_ERR_STORE') && /trigger submarine/.test(err.message),
    );
  });

  it('refuses a planted view', async () => {
    const dataDir = join(dir, 'view');
    await (await openDatabase({ dataDir })).destroy();
    const raw = new SQLite(join(dataDir, 'portcullis.sqlite'));
    raw.exec(`create view users_view as select * from users`);
    raw.close();
    await assert.rejects(openDatabase({ dataDir }), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_STORE') && /view users_view/.test(err.message));
  });
});
