/**
 * `portcullis dkim keygen DOMAIN [--selector S] [--ed25519]`, `dkim list [DOMAIN] [--json]`,
 * `dkim activate DOMAIN SELECTOR`, `dkim remove DOMAIN SELECTOR [--force]`: the DKIM keys that
 * sign outbound mail, and their rotation (service/dkim-service.ts: authorised, audited; private
 * keys in 0600 files under dataDir/dkim). keygen prints the DNS record to publish; the key signs
 * only once activated, so publishing comes first and no mail is signed with an unpublished key.
 */
import { Command } from 'commander';
import { activateDkimKey, dkimDnsRecord, generateDkimKey, listDkimKeys, removeDkimKey } from '../service/dkim-service.js';
import { withCliContext } from './context.js';

export function dkimCommand(): Command {
  const dkim = new Command('dkim').description('manage the DKIM keys that sign outbound mail');
  dkim
    .command('keygen <domain>')
    .description('create a signing key (RSA 2048, or Ed25519) and print its DNS TXT record')
    .option('-c, --config <file>', 'configuration file')
    .option('-s, --selector <selector>', 'the selector (default: pcYYYYMMDD)')
    .option('--ed25519', 'an Ed25519 key (RFC 8463) instead of RSA 2048')
    .action((domain: string, opts: { config?: string; selector?: string; ed25519?: boolean }) =>
      withCliContext(opts, async (ctx) => {
        const key = await generateDkimKey(ctx, ctx.actor, {
          dataDir: ctx.config.dataDir,
          domain,
          ...(opts.selector !== undefined ? { selector: opts.selector } : {}),
          algorithm: opts.ed25519 ? 'ed25519' : 'rsa',
        });
        console.log(dkimDnsRecord(key));
        console.error(`publish this record, then: portcullis dkim activate ${key.domain} ${key.selector}`);
      }),
    );
  dkim
    .command('list [domain]')
    .description('list keys with their DNS records; * marks the key that signs')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'one JSON object per key')
    .action((domain: string | undefined, opts: { config?: string; json?: boolean }) =>
      withCliContext(opts, async (ctx) => {
        const keys = await listDkimKeys(ctx, domain);
        if (opts.json) {
          for (const key of keys) console.log(JSON.stringify({ ...key, record: dkimDnsRecord(key) }));
        } else if (keys.length === 0) {
          console.log('no DKIM keys');
        } else {
          for (const key of keys) {
            console.log(`${key.active ? '*' : ' '} ${key.domain} ${key.selector} ${key.algorithm} created ${new Date(key.createdAt).toISOString()}`);
            console.log(`    ${dkimDnsRecord(key)}`);
          }
        }
      }),
    );
  dkim
    .command('activate <domain> <selector>')
    .description("sign the domain's mail with this key from now on (the previous key is kept until removed)")
    .option('-c, --config <file>', 'configuration file')
    .action((domain: string, selector: string, opts: { config?: string }) =>
      withCliContext(opts, async (ctx) => {
        await activateDkimKey(ctx, ctx.actor, domain, selector);
        console.log(`${selector.toLowerCase()} now signs mail from ${domain.toLowerCase()}`);
      }),
    );
  dkim
    .command('remove <domain> <selector>')
    .description('delete a key (once its DNS record may go); the active key only with --force')
    .option('-c, --config <file>', 'configuration file')
    .option('--force', "remove even the active key (the domain's mail then goes unsigned)")
    .action((domain: string, selector: string, opts: { config?: string; force?: boolean }) =>
      withCliContext(opts, async (ctx) => {
        await removeDkimKey(ctx, ctx.actor, { dataDir: ctx.config.dataDir, domain, selector, force: opts.force === true });
        console.log(`DKIM key ${selector.toLowerCase()} of ${domain.toLowerCase()} removed`);
      }),
    );
  return dkim;
}
