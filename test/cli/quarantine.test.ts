import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { quarantineCommand } from '../../src/cli/quarantine.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import { bayesSnapshotPath, parseModel } from '../../src/scan/bayes/model-snapshot.js';
import { SpoolStore } from '../../src/spool/spool-store.js';
import { openDatabase } from '../../src/store/database.js';
import { HELD_ATTACHMENTS, holdMessage } from '../quarantine/held-message.js';
import { runCommand, useConfigFile } from '../helpers/run-command.js';

const dataDir = useConfigFile('cli-quarantine', 'spool:\n  fsync: false\nquarantine:\n  retentionDays: 7\n');

/** Runs `portcullis quarantine ARGS` in-process and returns what it printed on stdout. */
async function run(...args: string[]): Promise<string[]> {
  return runCommand(quarantineCommand(), args);
}

/** Runs a command that writes bytes to process.stdout, capturing them. */
async function runRaw(...args: string[]): Promise<string> {
  const chunks: Buffer[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(Buffer.from(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await quarantineCommand().exitOverride().parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function seed(rows: Record<string, 'quarantined' | 'queued'>): Promise<string> {
  const db = await openDatabase({ dataDir: dataDir() });
  const spool = await SpoolStore.open(join(dataDir(), 'spool'), { fsync: false });
  try {
    return await holdMessage(db, spool, { rows, tracked: true });
  } finally {
    await db.destroy();
  }
}

describe('portcullis quarantine', () => {
  it('lists, shows, releases and deletes held items, auditing the changes', async () => {
    const id = await seed({ 'a@example.org': 'quarantined', 'b@example.org': 'quarantined' });

    const listed = (await run('list', '--json')).map((l) => JSON.parse(l) as { queueId: string; recipient: string; rule: string; subject: string; expiresAt: number; receivedAt: number });
    assert.deepEqual(listed.map((i) => [i.queueId, i.recipient, i.rule, i.subject]), [
      [id, 'a@example.org', 'default:executable', 'Invoice'],
      [id, 'b@example.org', 'default:executable', 'Invoice'],
    ]);
    assert.equal(listed[0]!.expiresAt - listed[0]!.receivedAt, 7 * 24 * 3600 * 1000);
    assert.deepEqual((await run('list', '--json', '--to', 'B@example.org')).length, 1);
    assert.deepEqual((await run('list', '--json', '--limit', '1')).length, 1);
    assert.match((await run('list')).join('\n'), new RegExp(`${id} .*<billing@example\\.net> -> <a@example\\.org>  default:executable score 10  subject "Invoice"`));

    const shown = (await run('show', id)).join('\n');
    assert.match(shown, /verdict +quarantine by default:executable, score 10/);
    assert.match(shown, /FILE_EXECUTABLE 10 {2}"invoice\.zip > invoice\.pdf\.exe is application\/x-msdownload"/);
    // Attachments from tracking: names, declared and detected types, sha256, and the archive a member came from.
    assert.match(shown, new RegExp(`"invoice\\.pdf\\.exe" {2}declared - {2}detected application/x-msdownload {2}200 bytes {2}sha256 ${'b'.repeat(64)} {2}in "invoice\\.zip"`));
    assert.match(shown, /Subject: Invoice/);
    assert.match(shown, /X-Portcullis-Action: quarantine/);
    // The ESC of a hostile header is shown escaped, and the body is not shown.
    assert.match(shown, /X-Evil: \\x1b\[31mred/);
    assert.ok(!shown.includes('\u001b'));
    assert.ok(!shown.includes('see attachment'));
    const json = JSON.parse((await run('show', id, '--json', '--recipient', 'a@example.org'))[0]!) as { recipients: string[]; attachments: unknown; verdict: { rule: string } };
    assert.deepEqual(json.recipients, ['a@example.org']);
    assert.deepEqual(json.attachments, HELD_ATTACHMENTS);
    const raw = await runRaw('show', id, '--raw');
    assert.ok(raw.startsWith('X-Portcullis-Action: quarantine\r\nSubject: Invoice\r\n'));
    assert.ok(raw.endsWith('see attachment\r\n'));

    assert.deepEqual(await run('release', id, '--recipient', 'a@example.org'), [`${id}: released to 1 recipient(s): a@example.org`]);
    assert.deepEqual(await run('delete', id), [`${id}: deleted for 1 recipient(s): b@example.org`]);
    // a@ is queued for delivery: the message stays in the spool for it.
    assert.ok(existsSync(join(dataDir(), 'spool', `${id}.msg`)));
    assert.deepEqual(await run('list'), ['the quarantine is empty']);
    await assert.rejects(run('show', id), /no quarantined recipient/);

    const db = await openDatabase({ dataDir: dataDir() });
    try {
      const states = await db.selectFrom('recipient_state').select(['recipient', 'status']).where('queue_id', '=', id).orderBy('recipient').execute();
      assert.deepEqual(states, [{ recipient: 'a@example.org', status: 'queued' }, { recipient: 'b@example.org', status: 'deleted' }]);
      const actions = (await new AuditLog(db).list()).map((r) => `${r.action} ${r.target}`);
      assert.deepEqual(actions, [`quarantine.release ${id}`, `quarantine.delete ${id}`]);
      const events = await db.selectFrom('tracking_event').select(['kind', 'recipient']).where('queue_id', '=', id).orderBy('id').execute();
      assert.deepEqual(events, [{ kind: 'released', recipient: 'a@example.org' }, { kind: 'deleted', recipient: 'b@example.org' }]);
    } finally {
      await db.destroy();
    }
  });

  it('delete of the last held recipient removes the message from the spool', async () => {
    const id = await seed({ 'c@example.org': 'quarantined' });
    assert.deepEqual(await run('delete', id), [`${id}: deleted for 1 recipient(s): c@example.org; message removed`]);
    assert.equal(existsSync(join(dataDir(), 'spool', `${id}.msg`)), false);
    assert.deepEqual(readdirSync(join(dataDir(), 'spool')).filter((n) => n.startsWith(id)), []);
  });

  it('release --not-spam tokenizes the held message in a sandbox and learns it as ham, audited, snapshot written', async () => {
    const id = await seed({ 'd@example.org': 'quarantined' });
    assert.deepEqual(await run('release', id, '--not-spam'), [`${id}: released to 1 recipient(s): d@example.org; learnt as not spam`]);
    const db = await openDatabase({ dataDir: dataDir() });
    try {
      const counts = await db.selectFrom('bayes_count').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([counts.spam_messages, counts.ham_messages], [0, 1]);
      // The held message's Subject: Invoice, as the sandbox tokenized it.
      const token = await db.selectFrom('bayes_token').selectAll().where('token', '=', 'subject:invoice').executeTakeFirstOrThrow();
      assert.deepEqual([token.spam, token.ham], [0, 1]);
      const last = (await new AuditLog(db).list()).slice(-2).map((r) => [r.action, r.target, (r.details as { source?: string }).source]);
      assert.deepEqual(last, [['quarantine.release', id, undefined], ['bayes.train', 'bayes', `quarantine-release ${id}`]]);
    } finally {
      await db.destroy();
    }
    assert.equal(parseModel(await readFile(bayesSnapshotPath(dataDir()), 'utf8')).hamMessages, 1);
    // Without the flag, a release learns nothing.
    const plain = await seed({ 'e@example.org': 'quarantined' });
    assert.deepEqual(await run('release', plain), [`${plain}: released to 1 recipient(s): e@example.org`]);
  });
});
