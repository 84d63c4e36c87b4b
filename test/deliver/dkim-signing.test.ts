// DKIM signing of outbound mail over the final outgoing form, with keys from the DKIM service,
// verified by mailauth's dkimVerify (running under the nodemailer override) against a static
// resolver that serves exactly the TXT record `portcullis dkim keygen` prints.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { signedOutgoingMessage } from '../../src/deliver/dkim-signing.js';
import type { OutgoingMessage } from '../../src/deliver/outgoing-message.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import type { Actor } from '../../src/service/actor.js';
import { activateDkimKey, dkimDnsRecord, DkimKeyStore, generateDkimKey, listDkimKeys, removeDkimKey, type DkimKeyInfo } from '../../src/service/dkim-service.js';
import type { ServiceContext } from '../../src/service/service-context.js';
import type { SpoolRecord } from '../../src/spool/spool-store.js';
import { openDatabase } from '../../src/store/database.js';
import { testEnvelope } from '../scan/analyzer-context.js';

const admin: Actor = { kind: 'cli', user: 'operator' };
const BODY = Buffer.from(
  'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: quarterly figures\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <q1@example.org>\r\n\r\nThe figures are attached.\r\n',
);

function recordOf(direction: 'inbound' | 'outbound', mailFrom = 'alice@example.org'): SpoolRecord {
  return {
    version: 1,
    envelope: { ...testEnvelope, direction, mailFrom, size: BODY.length },
    prependHeaders: 'Received: from client.example by mx.example.org; Thu, 26 Nov 2026 10:00:01 +0000\r\nX-Portcullis-Verdict: accept\r\n',
    verdict: { action: 'accept', score: 0, rule: 'default:accept', findings: [] },
    recipients: [{ address: 'bob@example.net', disposition: 'deliver' }],
  };
}
const spool = { openBody: () => Readable.from([BODY]) };

/** The TXT record's character-strings, as a resolver returns them, parsed back from the printed line. */
function resolverFor(keys: readonly DkimKeyInfo[]) {
  const zone = new Map(keys.map((k) => {
    const line = dkimDnsRecord(k);
    const [name] = line.split(' ');
    return [name, [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string)] as const;
  }));
  return async (name: string, type: string) => {
    const txt = type === 'TXT' ? zone.get(name) : undefined;
    if (!txt) throw Object.assign(new Error(`no ${type} ${name}`), { code: 'ENOTFOUND' });
    return [txt];
  };
}

async function readAll(message: OutgoingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message.open() as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('DKIM keys and signing', () => {
  let ctx: ServiceContext;
  let dataDir: string;
  let keyring: DkimKeyStore;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portcullis-dkim-'));
    const db = await openDatabase({ dataDir: ':memory:' });
    ctx = { db, audit: new AuditLog(db) };
    keyring = new DkimKeyStore(db, dataDir);
  });
  after(async () => {
    await ctx.db.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keygen stores the private key in a 0600 file, not the database, prints a splittable record and audits', async () => {
    const key = await generateDkimKey(ctx, admin, { dataDir, domain: 'Example.org', selector: 'jan', algorithm: 'rsa' });
    assert.equal(key.domain, 'example.org');
    assert.equal(key.active, false);
    const file = join(dataDir, 'dkim', 'example.org', 'jan.pem');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'dkim'))).mode & 0o077, 0);
    const row = await ctx.db.selectFrom('dkim_keys').selectAll().executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes('PRIVATE'));
    const record = dkimDnsRecord(key);
    assert.match(record, /^jan\._domainkey\.example\.org IN TXT "v=DKIM1; k=rsa; p=MII/);
    for (const m of record.matchAll(/"([^"]*)"/g)) assert.ok((m[1] as string).length <= 255);
    const audit = (await ctx.audit.list()).at(-1);
    assert.deepEqual([audit?.action, audit?.target], ['dkim.keygen', 'example.org/jan']);
    assert.ok(!JSON.stringify(audit).includes('PRIVATE'));
    // A key that is not active signs nothing.
    assert.equal(await keyring.activeKey('example.org'), undefined);
  });

  it('refuses selectors that are not DNS labels and an existing selector', async () => {
    for (const selector of ['../etc', 'a/b', '', 'x..y']) {
      await assert.rejects(generateDkimKey(ctx, admin, { dataDir, domain: 'example.org', selector, algorithm: 'ed25519' }), /invalid selector/);
    }
    await assert.rejects(generateDkimKey(ctx, admin, { dataDir, domain: 'example.org', selector: 'jan', algorithm: 'rsa' }), /already exists/);
    await assert.rejects(generateDkimKey(ctx, admin, { dataDir, domain: 'not a domain', selector: 's', algorithm: 'rsa' }), /invalid domain/);
  });

  it('signs outbound mail over the final form once activated; mailauth verifies it from the printed record', async () => {
    await activateDkimKey(ctx, admin, 'example.org', 'jan');
    const message = await signedOutgoingMessage(spool, recordOf('outbound'), keyring);
    const bytes = await readAll(message);
    assert.equal(message.size, bytes.length);
    assert.match(bytes.toString('utf8'), /^DKIM-Signature: [^]*?s=jan;[^]*?\r\nReceived: from client\.example/);
    assert.ok(bytes.subarray(bytes.length - BODY.length).equals(BODY), 'the spooled bytes follow untouched');
    const result = await dkimVerify(bytes, { resolver: resolverFor(await listDkimKeys(ctx)) });
    const first = result.results[0];
    assert.equal(first?.status.result, 'pass', JSON.stringify(first?.status));
    assert.equal(first?.signingDomain, 'example.org');
  });

  it('leaves inbound mail, DSNs and domains without an active key unsigned', async () => {
    for (const record of [recordOf('inbound'), recordOf('outbound', ''), recordOf('outbound', 'carol@other.example')]) {
      const bytes = await readAll(await signedOutgoingMessage(spool, record, keyring));
      assert.ok(!bytes.toString('utf8').includes('DKIM-Signature'));
    }
  });

  it('rotates without downtime: a new Ed25519 selector signs once activated, the old one stays until removed', async () => {
    const feb = await generateDkimKey(ctx, admin, { dataDir, domain: 'example.org', selector: 'feb', algorithm: 'ed25519' });
    assert.match(dkimDnsRecord(feb), /^feb\._domainkey\.example\.org IN TXT "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="$/);
    const beforeActivation = await readAll(await signedOutgoingMessage(spool, recordOf('outbound'), keyring));
    assert.match(beforeActivation.toString('utf8'), /s=jan;/);
    await activateDkimKey(ctx, admin, 'example.org', 'feb');
    const keys = await listDkimKeys(ctx, 'example.org');
    assert.deepEqual(keys.map((k) => [k.selector, k.active]), [['jan', false], ['feb', true]]);
    const after = await readAll(await signedOutgoingMessage(spool, recordOf('outbound'), keyring));
    assert.match(after.toString('utf8'), /s=feb;/);
    const resolver = resolverFor(keys);
    assert.equal((await dkimVerify(after, { resolver })).results[0]?.status.result, 'pass');
    // Mail signed before the rotation still verifies while the old record stays published.
    assert.equal((await dkimVerify(beforeActivation, { resolver })).results[0]?.status.result, 'pass');
    await assert.rejects(removeDkimKey(ctx, admin, { dataDir, domain: 'example.org', selector: 'feb' }), /activate another selector first/);
    await removeDkimKey(ctx, admin, { dataDir, domain: 'example.org', selector: 'jan' });
    await assert.rejects(stat(join(dataDir, 'dkim', 'example.org', 'jan.pem')), /ENOENT/);
    assert.deepEqual((await listDkimKeys(ctx)).map((k) => k.selector), ['feb']);
    const actions = (await ctx.audit.list()).map((r) => r.action);
    assert.deepEqual(actions.slice(-3), ['dkim.keygen', 'dkim.activate', 'dkim.remove']);
    assert.deepEqual(await ctx.audit.verify().then((v) => v.ok), true);
  });

  it('an API user without the admin role may not generate keys', async () => {
    await assert.rejects(
      generateDkimKey(ctx, { kind: 'api', user: 'u', role: 'user' }, { dataDir, domain: 'example.org', selector: 'x', algorithm: 'rsa' }),
      /may not perform dkim.keygen/,
    );
  });
});
