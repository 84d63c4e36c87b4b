import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditCommand } from '../../src/cli/audit.js';
import { main } from '../../src/cli/main.js';
import { isPortcullisError } from '../../src/core/errors.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import { openDatabase } from '../../src/store/database.js';
import { runCommand, useDataDir } from '../helpers/run-command.js';

describe('portcullis audit', () => {
  let dir: string;
  let restore: () => void;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-audit-'));
    restore = useDataDir(dir);
    const db = await openDatabase({ dataDir: dir });
    const audit = new AuditLog(db);
    for (const target of ['alice', 'bob', 'carol']) await audit.append({ actor: { kind: 'cli', user: 'op' }, action: 'user.add', target, details: { note: target } });
    await db.destroy();
  });
  after(async () => {
    restore();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists records, newest N, as a table or JSON', async () => {
    const all = await runCommand(auditCommand(), ['list']);
    assert.equal(all.length, 3);
    assert.match(all[0] ?? '', /^\s+1\s+\S+Z\s+cli:op\s+user\.add\s+alice\s+\{"note":"alice"\}$/);
    const json = (await runCommand(auditCommand(), ['list', '--json', '--limit', '2'])).map((l) => JSON.parse(l) as { seq: number; hash: string });
    assert.deepEqual(json.map((r) => r.seq), [2, 3]);
    await assert.rejects(runCommand(auditCommand(), ['list', '--limit', '0']));
  });

  it('verifies an intact log, prints its head, and checks it as an anchor', async () => {
    const [line] = await runCommand(auditCommand(), ['verify']);
    const match = /^audit log intact: 3 records, head (3:[0-9a-f]{64})$/.exec(line ?? '');
    assert.ok(match?.[1], line);
    assert.equal((await runCommand(auditCommand(), ['verify', '--expect-head', match[1]])).length, 1);
    await assert.rejects(runCommand(auditCommand(), ['verify', '--expect-head', `4:${'0'.repeat(64)}`]), (e) => isPortcullisError(e, 'PORTCULLIS_ERR_AUDIT_CHAIN'));
  });

  it('fails with PORTCULLIS_ERR_AUDIT_CHAIN (exit 1 in main) when a record was edited', async () => {
    const db = await openDatabase({ dataDir: dir });
    await db.updateTable('audit_log').set({ details: '{"note":"mallory"}' }).where('seq', '=', 2).execute();
    await db.destroy();
    await assert.rejects(
      runCommand(auditCommand(), ['verify']),
      (e) => isPortcullisError(e, 'PORTCULLIS_ERR_AUDIT_CHAIN') && /broken at record 2: record 2 was modified/.test(e.message),
    );
    const errors: string[] = [];
    const error = console.error;
    console.error = (...parts: unknown[]) => errors.push(parts.map(String).join(' '));
    try {
      assert.equal(await main(['node', 'portcullis', 'audit', 'verify']), 1);
    } finally {
      console.error = error;
    }
    assert.match(errors.join('\n'), /audit log broken at record 2: .*\(PORTCULLIS_ERR_AUDIT_CHAIN\)/);
  });
});
