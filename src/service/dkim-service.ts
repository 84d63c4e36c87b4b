/**
 * DKIM signing keys as service functions: generate, list, activate (rotate), remove; and the
 * keyring the delivery queue asks for the key that signs a domain's outbound mail.
 *
 * Rotation without downtime: `keygen` creates a key that does not sign yet and prints its DNS
 * record; once the record is published, `activate` makes it the domain's signing key and the
 * previous one stays (listed, still publishable) so mail signed with it in transit or in
 * mailboxes still verifies; `remove` deletes an old key once its record may go. The delivery
 * queue asks the database at every delivery, so an activation takes effect without a restart.
 *
 * Secrets (DESIGN.md invariant 8): a private key never enters the database, the audit log or a
 * log line. It is a PKCS#8 PEM file of mode 0600 in dataDir/dkim/DOMAIN/ (directories 0700),
 * written with O_EXCL so an existing key is never overwritten; file names come from validated
 * operator input only (a domain name and a selector), never from a message.
 *
 * Each change is authorised (service/authorize.ts) and committed with its audit record.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PortcullisError } from '../core/errors.js';
import type { DkimKeyring, DkimSigningKey } from '../deliver/dkim-signing.js';
import type { Database } from '../store/database.js';
import type { Actor } from './actor.js';
import { authorize } from './authorize.js';
import type { ServiceContext } from './service-context.js';

export type DkimAlgorithm = 'rsa' | 'ed25519';

export interface DkimKeyInfo {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  /** The p= value of the DNS record. */
  readonly publicKey: string;
  readonly active: boolean;
  readonly createdAt: number;
  readonly activatedAt?: number;
}

/** Where the keys live and which key is meant: what every key-changing call needs. */
export interface DkimKeyRef {
  readonly dataDir: string;
  readonly domain: string;
  readonly selector: string;
}

const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** DNS labels joined by dots (RFC 6376 3.1); no path separator can pass. */
const SELECTOR_PATTERN = /^(?=.{1,63}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
/** RFC 4871 recommends at least 1024 bits; 2048 fits a DNS TXT record split into strings. */
const RSA_BITS = 2048;
/** A TXT record's character-strings are at most 255 octets each. */
const TXT_STRING_MAX = 255;

export function dkimKeyDirectory(dataDir: string): string {
  return join(dataDir, 'dkim');
}

export async function generateDkimKey(
  ctx: ServiceContext,
  actor: Actor,
  request: { readonly dataDir: string; readonly domain: string; readonly selector?: string; readonly algorithm: DkimAlgorithm; readonly now?: number },
): Promise<DkimKeyInfo> {
  authorize(actor, 'dkim.keygen');
  const now = request.now ?? Date.now();
  const domain = checkDomain(request.domain);
  const selector = checkSelector(request.selector ?? defaultSelector(now));
  const { publicKey, privateKey } =
    request.algorithm === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: RSA_BITS }) : generateKeyPairSync('ed25519');
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // RFC 8463: an ed25519 record carries the bare 32-byte key, the tail of its SPKI encoding.
  const p = (request.algorithm === 'rsa' ? spki : spki.subarray(spki.length - 32)).toString('base64');
  const file = keyFile(request.dataDir, domain, selector);
  await mkdir(join(dkimKeyDirectory(request.dataDir), domain), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `a DKIM key ${selector} for ${domain} already exists: choose another --selector`);
    }
    throw err;
  }
  try {
    await ctx.audit.append({ actor, action: 'dkim.keygen', target: `${domain}/${selector}`, details: { algorithm: request.algorithm } }, async (db) => {
      const existing = await db.selectFrom('dkim_keys').select('selector').where('domain', '=', domain).where('selector', '=', selector).executeTakeFirst();
      if (existing) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `a DKIM key ${selector} for ${domain} already exists: choose another --selector`);
      await db.insertInto('dkim_keys').values({ domain, selector, algorithm: request.algorithm, public_key: p, active: 0, created_at: now, activated_at: null }).execute();
    });
  } catch (err) {
    await unlink(file).catch(() => undefined);
    throw err;
  }
  return { domain, selector, algorithm: request.algorithm, publicKey: p, active: false, createdAt: now };
}

export async function listDkimKeys(ctx: Pick<ServiceContext, 'db'>, domain?: string): Promise<DkimKeyInfo[]> {
  let query = ctx.db.selectFrom('dkim_keys').selectAll();
  if (domain !== undefined) query = query.where('domain', '=', checkDomain(domain));
  const rows = await query.orderBy('domain').orderBy('created_at').orderBy('selector').execute();
  return rows.map((r) => ({
    domain: r.domain,
    selector: r.selector,
    algorithm: r.algorithm,
    publicKey: r.public_key,
    active: r.active === 1,
    createdAt: r.created_at,
    ...(r.activated_at !== null ? { activatedAt: r.activated_at } : {}),
  }));
}

/** Makes this selector the one that signs the domain's mail; the previous one is kept, inactive. */
export async function activateDkimKey(ctx: ServiceContext, actor: Actor, domain: string, selector: string): Promise<void> {
  authorize(actor, 'dkim.activate');
  const d = checkDomain(domain);
  const s = checkSelector(selector);
  await ctx.audit.append({ actor, action: 'dkim.activate', target: `${d}/${s}` }, async (db) => {
    const row = await db.selectFrom('dkim_keys').select('selector').where('domain', '=', d).where('selector', '=', s).executeTakeFirst();
    if (!row) throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no DKIM key ${s} for ${d}`);
    await db.updateTable('dkim_keys').set({ active: 0 }).where('domain', '=', d).where('selector', '!=', s).execute();
    await db.updateTable('dkim_keys').set({ active: 1, activated_at: Date.now() }).where('domain', '=', d).where('selector', '=', s).execute();
  });
}

/**
 * Deletes a key and its file. The active key is kept unless `force` (the domain's outbound mail
 * then goes unsigned): activate its successor first.
 */
export async function removeDkimKey(ctx: ServiceContext, actor: Actor, ref: DkimKeyRef & { readonly force?: boolean }): Promise<void> {
  authorize(actor, 'dkim.remove');
  const domain = checkDomain(ref.domain);
  const selector = checkSelector(ref.selector);
  await ctx.audit.append({ actor, action: 'dkim.remove', target: `${domain}/${selector}`, details: { force: ref.force === true } }, async (db) => {
    const row = await db.selectFrom('dkim_keys').select('active').where('domain', '=', domain).where('selector', '=', selector).executeTakeFirst();
    if (!row) throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no DKIM key ${selector} for ${domain}`);
    if (row.active === 1 && ref.force !== true) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `${selector} signs ${domain}'s mail: activate another selector first (or remove with --force)`);
    }
    await db.deleteFrom('dkim_keys').where('domain', '=', domain).where('selector', '=', selector).execute();
  });
  // After the commit: a crash here leaves an orphan file, never a row whose key is gone.
  await unlink(keyFile(ref.dataDir, domain, selector)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** The DNS record to publish: `S._domainkey.DOMAIN IN TXT "v=DKIM1; k=rsa; p=..."`, split into 255-octet strings. */
export function dkimDnsRecord(key: Pick<DkimKeyInfo, 'domain' | 'selector' | 'algorithm' | 'publicKey'>): string {
  const value = `v=DKIM1; k=${key.algorithm}; p=${key.publicKey}`;
  const strings: string[] = [];
  for (let i = 0; i < value.length; i += TXT_STRING_MAX) strings.push(`"${value.slice(i, i + TXT_STRING_MAX)}"`);
  return `${key.selector}._domainkey.${key.domain} IN TXT ${strings.join(' ')}`;
}

/**
 * The keyring the delivery queue signs with: the active key of a domain, read from the database
 * at each call (so `dkim activate` in another process takes effect at the next delivery) with
 * the private key files cached (a generated key's file never changes).
 */
export class DkimKeyStore implements DkimKeyring {
  private readonly pems = new Map<string, string>();

  constructor(
    private readonly db: Database,
    private readonly dataDir: string,
  ) {}

  async activeKey(domain: string): Promise<DkimSigningKey | undefined> {
    const d = domain.toLowerCase();
    if (!DOMAIN_PATTERN.test(d)) return undefined;
    const row = await this.db.selectFrom('dkim_keys').select(['selector', 'algorithm', 'created_at']).where('domain', '=', d).where('active', '=', 1).executeTakeFirst();
    if (!row) return undefined;
    // created_at in the key: a selector removed and generated again is a different key.
    const cacheKey = `${d}/${row.selector}/${row.created_at}`;
    let pem = this.pems.get(cacheKey);
    if (pem === undefined) {
      pem = await readFile(keyFile(this.dataDir, d, row.selector), 'utf8');
      if (this.pems.size >= 1000) this.pems.clear();
      this.pems.set(cacheKey, pem);
    }
    return { domain: d, selector: row.selector, algorithm: row.algorithm, privateKey: pem };
  }
}

function keyFile(dataDir: string, domain: string, selector: string): string {
  return join(dkimKeyDirectory(dataDir), domain, `${selector}.pem`);
}

/** `pcYYYYMMDD` (UTC): dated, so the next rotation's selector differs. */
function defaultSelector(now: number): string {
  return `pc${new Date(now).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function checkDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_PATTERN.test(d)) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `invalid domain ${JSON.stringify(domain.slice(0, 64))}`);
  return d;
}

function checkSelector(selector: string): string {
  const s = selector.trim().toLowerCase();
  if (!SELECTOR_PATTERN.test(s)) {
    throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `invalid selector ${JSON.stringify(selector.slice(0, 64))}: DNS labels of letters, digits and -`);
  }
  return s;
}
