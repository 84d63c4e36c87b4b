/**
 * `portcullis audit verify [--expect-head SEQ:HASH]` and `audit list [--json] [--limit N]`.
 *
 * verify walks the hash chain (observe/audit-log.ts) and exits 1 with the first broken record and
 * why. On success it prints the head (newest seq and hash): write it down somewhere this machine
 * cannot change, and pass it back with --expect-head later, because a rewrite of the whole
 * database file cannot be detected from inside it.
 */
import { Command, InvalidArgumentError } from 'commander';
import { PortcullisError } from '../core/errors.js';
import type { AuditHead, AuditRecord } from '../observe/audit-log.js';
import { withCliContext } from './context.js';

export function auditCommand(): Command {
  const audit = new Command('audit').description('check and read the hash-chained audit log');
  audit
    .command('verify')
    .description('walk the hash chain; exit 1 if a record was edited or deleted')
    .option('-c, --config <file>', 'configuration file')
    .option('--expect-head <seq:hash>', 'a head printed by an earlier verify, kept off this machine', parseHead)
    .action((opts: { config?: string; expectHead?: AuditHead }) =>
      withCliContext(opts, async (ctx) => {
        const result = await ctx.audit.verify(opts.expectHead ? { expectHead: opts.expectHead } : {});
        if (!result.ok) {
          throw new PortcullisError(
            'PORTCULLIS_ERR_AUDIT_CHAIN',
            `audit log broken at record ${result.brokenAt}: ${result.reason} (${result.records} records verified before it)`,
          );
        }
        console.log(`audit log intact: ${result.records} records, head ${result.head.seq}:${result.head.hash}`);
      }),
    );
  audit
    .command('list')
    .description('audit records, oldest first')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'one JSON object per record')
    .option('--limit <n>', 'only the newest N records', parsePositiveInt)
    .action((opts: { config?: string; json?: boolean; limit?: number }) =>
      withCliContext(opts, async (ctx) => {
        const records = await ctx.audit.list(opts.limit !== undefined ? { limit: opts.limit } : {});
        if (opts.json) {
          for (const r of records) console.log(JSON.stringify(r));
        } else if (records.length === 0) {
          console.log('the audit log is empty');
        } else {
          for (const r of records) console.log(formatRecord(r));
        }
      }),
    );
  return audit;
}

function formatRecord(r: AuditRecord): string {
  const details = Object.keys(r.details).length > 0 ? `  ${JSON.stringify(r.details)}` : '';
  return `${String(r.seq).padStart(6)}  ${new Date(r.at).toISOString()}  ${r.actor.padEnd(20)}  ${r.action.padEnd(18)}  ${r.target}${details}`;
}

function parseHead(value: string): AuditHead {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!match?.[1] || !match[2]) throw new InvalidArgumentError('expected SEQ:HASH as printed by audit verify');
  return { seq: Number(match[1]), hash: match[2] };
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
