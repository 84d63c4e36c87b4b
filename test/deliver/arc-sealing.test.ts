// ARC sealing with the sealing domain's active DKIM key, verified by mailauth's ARC verification
// (running under the nodemailer override) against a static resolver serving exactly the TXT
// record `portcullis dkim keygen` prints.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authenticate } from 'mailauth';
import { arcSealWithKeyring } from '../../src/deliver/arc-sealing.js';
import { authenticationResultsHeader } from '../../src/scan/analyzers/sender-auth.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import type { Actor } from '../../src/service/actor.js';
import { activateDkimKey, dkimDnsRecord, DkimKeyStore, generateDkimKey } from '../../src/service/dkim-service.js';
import type { ServiceContext } from '../../src/service/service-context.js';
import { openDatabase } from '../../src/store/database.js';
import { staticZoneResolver, type StaticZone } from '../scan/dns/static-zone.js';

const admin: Actor = { kind: 'cli', user: 'operator' };
const MESSAGE = Buffer.from(
  'From: Alice <alice@origin.example>\r\nTo: list@example.org\r\nSubject: minutes\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@origin.example>\r\n\r\nThe minutes are below.\r\n',
);
const ourResults = authenticationResultsHeader('mx.example.org', ['spf=pass smtp.mailfrom=origin.example', 'dkim=none', 'dmarc=none header.from=origin.example']);

async function arcOf(message: Buffer, zone: StaticZone) {
  const result = await authenticate(message, { ip: '192.0.2.1', helo: 'mx.example.org', sender: 'list@example.org', mta: 'next.example', resolver: staticZoneResolver(zone) as never, disableBimi: true });
  return result.arc;
}

describe('ARC sealing', () => {
  let ctx: ServiceContext;
  let dataDir: string;
  let keyring: DkimKeyStore;
  let zone: StaticZone;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portcullis-arc-'));
    const db = await openDatabase({ dataDir: ':memory:' });
    ctx = { db, audit: new AuditLog(db) };
    keyring = new DkimKeyStore(db, dataDir);
    const key = await generateDkimKey(ctx, admin, { dataDir, domain: 'example.org', selector: 'arc1', algorithm: 'rsa' });
    await activateDkimKey(ctx, admin, 'example.org', 'arc1');
    const line = dkimDnsRecord(key);
    zone = { [line.split(' ')[0] as string]: { TXT: [[...line.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string)] } };
  });
  after(async () => {
    await ctx.db.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('seals with the active key: instance 1, cv=none, our results in ARC-Authentication-Results, and mailauth verifies the chain', async () => {
    const set = await arcSealWithKeyring(MESSAGE, { authenticationResults: ourResults, cv: 'none' }, keyring, 'example.org');
    assert.ok(set);
    assert.match(set, /^ARC-Seal: i=1; a=rsa-sha256; .*cv=none; d=example\.org; s=arc1/s);
    assert.match(set, /\r\nARC-Authentication-Results: i=1; mx\.example\.org;\r\n\tspf=pass smtp\.mailfrom=origin\.example;/);
    assert.ok(set.endsWith('\r\n'));
    const arc = await arcOf(Buffer.concat([Buffer.from(set), MESSAGE]), zone);
    assert.ok(arc);
    assert.equal(arc.status.result, 'pass');
    assert.equal(arc.i, 1);
    assert.ok(arc.signature);
    assert.equal(arc.signature.signingDomain, 'example.org');
  });

  it('a second hop seals instance 2 with cv=pass, and the chain still verifies', async () => {
    const first = Buffer.concat([Buffer.from((await arcSealWithKeyring(MESSAGE, { authenticationResults: ourResults, cv: 'none' }, keyring, 'example.org')) ?? ''), MESSAGE]);
    const second = await arcSealWithKeyring(first, { authenticationResults: ourResults, cv: 'pass' }, keyring, 'example.org');
    assert.match(second ?? '', /^ARC-Seal: i=2; .*cv=pass/s);
    const arc = await arcOf(Buffer.concat([Buffer.from(second ?? ''), first]), zone);
    assert.ok(arc);
    assert.equal(arc.status.result, 'pass');
    assert.equal(arc.i, 2);
  });

  it('a body changed after sealing fails ARC verification', async () => {
    const set = await arcSealWithKeyring(MESSAGE, { authenticationResults: ourResults, cv: 'none' }, keyring, 'example.org');
    const tampered = Buffer.from(`${set ?? ''}${MESSAGE.toString('utf8').replace('minutes are below', 'invoice is attached')}`);
    const arc = await arcOf(tampered, zone);
    assert.ok(arc);
    assert.equal(arc.status.result, 'fail');
  });

  it('a domain without an active key is not sealed', async () => {
    assert.equal(await arcSealWithKeyring(MESSAGE, { authenticationResults: ourResults, cv: 'none' }, keyring, 'other.example'), undefined);
  });
});
