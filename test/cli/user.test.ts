import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { userCommand } from '../../src/cli/user.js';
import { isPortcullisError } from '../../src/core/errors.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import { verifyUserPassword } from '../../src/service/user-service.js';
import { openDatabase } from '../../src/store/database.js';
import { runCommand, useDataDir } from '../helpers/run-command.js';

describe('portcullis user', () => {
  let dir: string;
  let restore: () => void;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-user-'));
    restore = useDataDir(dir);
  });
  after(async () => {
    restore();
    await rm(dir, { recursive: true, force: true });
  });

  async function check(username: string, password: string): Promise<boolean> {
    const db = await openDatabase({ dataDir: dir });
    try {
      return await verifyUserPassword({ db, audit: new AuditLog(db) }, username, password);
    } finally {
      await db.destroy();
    }
  }

  it('adds users with the password from a file, the environment, or stdin', async () => {
    const file = join(dir, 'pw.txt');
    await writeFile(file, 'password-from-file\nsecond line ignored\n');
    assert.deepEqual(await runCommand(userCommand(), ['add', 'alice@example.org', '--password-file', file]), ['user alice@example.org added']);
    process.env.TEST_PORTCULLIS_PW = 'password-from-env';
    await runCommand(userCommand(), ['add', 'bob', '--password-env', 'TEST_PORTCULLIS_PW']);
    delete process.env.TEST_PORTCULLIS_PW;
    await runCommand(userCommand({ stdin: Readable.from(['password-from-stdin\n']) }), ['add', 'carol']);
    assert.equal(await check('alice@example.org', 'password-from-file'), true);
    assert.equal(await check('bob', 'password-from-env'), true);
    assert.equal(await check('carol', 'password-from-stdin'), true);
  });

  it('lists users as a table and as JSON lines', async () => {
    const table = await runCommand(userCommand(), ['list']);
    assert.equal(table.length, 3);
    assert.match(table[0] ?? '', /^alice@example\.org\s+added \d{4}-/);
    const json = (await runCommand(userCommand(), ['list', '--json'])).map((l) => JSON.parse(l) as { username: string });
    assert.deepEqual(json.map((u) => u.username), ['alice@example.org', 'bob', 'carol']);
  });

  it('removes a user and audits every change as the local OS user, without passwords', async () => {
    assert.deepEqual(await runCommand(userCommand(), ['remove', 'bob']), ['user bob removed']);
    assert.equal(await check('bob', 'password-from-env'), false);
    await assert.rejects(runCommand(userCommand(), ['remove', 'bob']), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_NOT_FOUND'));
    const db = await openDatabase({ dataDir: dir });
    try {
      const records = await new AuditLog(db).list();
      assert.deepEqual(records.map((r) => `${r.action} ${r.target}`), ['user.add alice@example.org', 'user.add bob', 'user.add carol', 'user.remove bob']);
      assert.ok(records.every((r) => r.actor.startsWith('cli:')));
      const text = JSON.stringify(records);
      for (const pw of ['password-from-file', 'password-from-env', 'password-from-stdin']) assert.ok(!text.includes(pw));
    } finally {
      await db.destroy();
    }
  });

  it('refuses a missing environment variable and a short password', async () => {
    await assert.rejects(runCommand(userCommand(), ['add', 'dave', '--password-env', 'TEST_PORTCULLIS_UNSET']), /TEST_PORTCULLIS_UNSET is not set/);
    await assert.rejects(runCommand(userCommand({ stdin: Readable.from(['short\n']) }), ['add', 'dave']), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
  });
});
