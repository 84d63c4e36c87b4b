/**
 * `portcullis quarantine list|show|release|delete`: the quarantine from the operator's side.
 * Release and delete go through service/quarantine-service.ts (authorised, audited, tracked); the
 * running gateway's delivery runner picks a release up at its next poll. The spool is opened
 * without recovery: this process runs beside the gateway. `release --not-spam` also teaches the
 * Bayes classifier the message is ham: it is tokenized in a one-sandbox pool that may read only
 * the spool (report-spam.ts withSandboxTokenizer), never in this process.
 *
 * Output: everything shown comes from attacker-controlled mail. Text output quotes strings as
 * JSON and escapes control characters in headers, so a subject or header cannot drive the
 * operator's terminal; `--json` prints JSON; only `show --raw` writes the message bytes as they are.
 */
import { once } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config/schema.js';
import { quarantineItem, quarantineItems, MAX_LIST_LIMIT, type QuarantineDetail, type QuarantineItem } from '../quarantine/quarantine-items.js';
import { bayesSnapshotPath } from '../scan/bayes/model-snapshot.js';
import { deleteQuarantined, releaseQuarantined, type ReleaseLearning } from '../service/quarantine-service.js';
import { SpoolStore, spoolDirectory } from '../spool/spool-store.js';
import { withCliContext } from './context.js';
import { withSandboxTokenizer } from './report-spam.js';

interface CommonOptions {
  config?: string;
  recipient?: string;
}

export function quarantineCommand(): Command {
  const quarantine = new Command('quarantine').description('list, show, release or delete quarantined messages (held per recipient)');
  quarantine
    .command('list')
    .description('held items, newest first')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'one JSON object per held recipient')
    .option('--to <address>', 'only this recipient')
    .option('--limit <n>', `at most this many items (1-${MAX_LIST_LIMIT})`, parseLimit)
    .action((opts: CommonOptions & { json?: boolean; to?: string; limit?: number }) =>
      withCliContext(opts, async (ctx) => {
        const items = await quarantineItems(ctx.db, {
          retentionDays: ctx.config.quarantine.retentionDays,
          ...(opts.to !== undefined ? { recipient: opts.to } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        });
        for (const line of opts.json ? items.map((i) => JSON.stringify(i)) : formatList(items)) console.log(line);
      }),
    );
  quarantine
    .command('show <id>')
    .description('envelope, verdict, findings, attachments and headers of a held message (not the body)')
    .option('-c, --config <file>', 'configuration file')
    .option('--recipient <address>', 'only this held recipient')
    .option('--json', 'one JSON object')
    .option('--raw', 'write the whole message as it would be delivered (prepended headers and body) to stdout')
    .action((id: string, opts: CommonOptions & { json?: boolean; raw?: boolean }) =>
      withCliContext(opts, async (ctx) => {
        const spool = await openSpool(ctx.config);
        const detail = await quarantineItem({ db: ctx.db, spool, retentionDays: ctx.config.quarantine.retentionDays }, id, opts.recipient);
        if (opts.raw) {
          await writeOut(Buffer.from(detail.prependHeaders, 'utf8'));
          for await (const chunk of spool.openBody(id) as AsyncIterable<Buffer>) await writeOut(chunk);
        } else if (opts.json) {
          console.log(JSON.stringify(detail));
        } else {
          for (const line of formatDetail(detail)) console.log(line);
        }
      }),
    );
  quarantine
    .command('release <id>')
    .description('deliver a held message through the normal queue: all its held recipients, or one')
    .option('-c, --config <file>', 'configuration file')
    .option('--recipient <address>', 'only this held recipient')
    .option('--not-spam', 'also teach the spam classifier that the message is not spam')
    .action((id: string, opts: CommonOptions & { notSpam?: boolean }) =>
      withCliContext(opts, async (ctx) => {
        const spool = await openSpool(ctx.config);
        const release = (learn?: ReleaseLearning) => releaseQuarantined({ ...ctx, spool }, ctx.actor, id, opts.recipient, Date.now(), learn);
        const { recipients, learned } = opts.notSpam
          ? await withSandboxTokenizer(ctx.config, [spool.dir], (tokenizer) => release({ tokenizer, snapshotPath: bayesSnapshotPath(ctx.config.dataDir) }))
          : await release();
        console.log(`${id}: released to ${recipients.length} recipient(s): ${recipients.join(', ')}${learned ? '; learnt as not spam' : ''}`);
      }),
    );
  quarantine
    .command('delete <id>')
    .description('delete a held message: all its held recipients, or one; its spool files go when nothing else needs them')
    .option('-c, --config <file>', 'configuration file')
    .option('--recipient <address>', 'only this held recipient')
    .action((id: string, opts: CommonOptions) =>
      withCliContext(opts, async (ctx) => {
        const spool = await openSpool(ctx.config);
        const { recipients, spoolRemoved } = await deleteQuarantined({ ...ctx, spool }, ctx.actor, id, opts.recipient);
        console.log(`${id}: deleted for ${recipients.length} recipient(s): ${recipients.join(', ')}${spoolRemoved ? '; message removed' : ''}`);
      }),
    );
  return quarantine;
}

function openSpool(config: Config): Promise<SpoolStore> {
  return SpoolStore.open(spoolDirectory(config), { fsync: config.spool.fsync, recover: false });
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_LIST_LIMIT) throw new InvalidArgumentError(`expected a number from 1 to ${MAX_LIST_LIMIT}`);
  return n;
}

async function writeOut(chunk: Buffer): Promise<void> {
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}

function formatList(items: readonly QuarantineItem[]): string[] {
  if (items.length === 0) return ['the quarantine is empty'];
  return items.map(
    (i) =>
      `${i.queueId}  ${iso(i.receivedAt)}  <${i.mailFrom}> -> <${i.recipient}>  ${i.rule ?? '-'} score ${i.score ?? '-'}  subject ${JSON.stringify(i.subject ?? '')}  expires ${iso(i.expiresAt)}`,
  );
}

function formatDetail(d: QuarantineDetail): string[] {
  const e = d.envelope;
  const lines = [
    `queue id    ${d.queueId}`,
    `held for    ${d.recipients.map((r) => `<${r}>`).join(', ')}  (expires ${iso(d.expiresAt)})`,
    `received    ${iso(e.receivedAt)} from ${e.clientAddress}${e.clientHostname ? ` (${JSON.stringify(e.clientHostname)})` : ''} helo ${JSON.stringify(e.helo)}${e.tls ? ` tls ${e.tls.protocol}` : ''}${e.authUser ? ` auth ${JSON.stringify(e.authUser)}` : ''}`,
    `envelope    ${e.direction} <${e.mailFrom}> -> ${e.rcptTo.map((r) => `<${r}>`).join(', ')}  ${e.size} bytes`,
    `verdict     ${d.verdict.action} by ${d.verdict.rule}, score ${d.verdict.score}`,
    'findings',
    ...(d.verdict.findings.length === 0 ? ['    (none)'] : d.verdict.findings.map((f) => `    ${f.id} ${f.score}  ${JSON.stringify(f.detail)}`)),
    'attachments',
  ];
  if (d.attachments === undefined) lines.push('    (not recorded by tracking)');
  else if (d.attachments.length === 0) lines.push('    (none)');
  for (const a of d.attachments ?? []) {
    const within = a.container && a.container.length > 0 ? `  in ${a.container.map((c) => JSON.stringify(c)).join(' > ')}` : '';
    lines.push(`    ${JSON.stringify(a.name ?? '')}  declared ${a.type ?? '-'}  detected ${a.detectedType ?? '-'}  ${a.size} bytes  sha256 ${a.sha256}${within}`);
  }
  lines.push('headers');
  for (const line of (d.prependHeaders + d.headers).split(/\r?\n/)) if (line !== '') lines.push(`    ${escapeControls(line)}`);
  return lines;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Control characters (ESC above all) shown as \xNN, so a header cannot drive the terminal. */
function escapeControls(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    const control = (code < 0x20 && c !== '\t') || (code >= 0x7f && code <= 0x9f);
    out += control ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  }
  return out;
}
