/**
 * `portcullis queue list [--json] [--all]`, `queue retry [ID]`, `queue delete ID`: the delivery
 * queue from the operator's side. Retry and delete go through service/queue-service.ts (audited);
 * the running gateway picks the change up at its next poll. The spool is opened without recovery:
 * this process runs beside the gateway and must not touch messages still being received.
 */
import { Command } from 'commander';
import type { QueueEntry } from '../service/queue-service.js';
import { deleteQueued, listQueue, retryQueue } from '../service/queue-service.js';
import { SpoolStore, spoolDirectory } from '../spool/spool-store.js';
import { withCliContext } from './context.js';

interface CommonOptions {
  config?: string;
}

export function queueCommand(): Command {
  const queue = new Command('queue').description('list, retry or delete messages waiting for delivery');
  queue
    .command('list')
    .description('messages with recipients queued, deferred or quarantined')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'one JSON object per message')
    .option('--all', 'also messages whose recipients are all delivered, bounced or deleted')
    .action((opts: CommonOptions & { json?: boolean; all?: boolean }) =>
      withCliContext(opts, async (ctx) => {
        const entries = await listQueue(ctx.db, { all: opts.all === true });
        for (const line of opts.json ? entries.map((e) => JSON.stringify(e)) : formatQueue(entries)) console.log(line);
      }),
    );
  queue
    .command('retry [id]')
    .description('try deferred recipients now: all of them, or those of one message')
    .option('-c, --config <file>', 'configuration file')
    .action((id: string | undefined, opts: CommonOptions) =>
      withCliContext(opts, async (ctx) => {
        const { recipients } = await retryQueue(ctx, ctx.actor, id);
        console.log(`${recipients} recipient(s) due for delivery now`);
      }),
    );
  queue
    .command('delete <id>')
    .description('give up on a message: its waiting recipients are deleted and its spool files removed')
    .option('-c, --config <file>', 'configuration file')
    .action((id: string, opts: CommonOptions) =>
      withCliContext(opts, async (ctx) => {
        const spool = await SpoolStore.open(spoolDirectory(ctx.config), { fsync: ctx.config.spool.fsync, recover: false });
        const { recipients } = await deleteQueued({ ...ctx, spool }, ctx.actor, id);
        console.log(`${id}: ${recipients} recipient(s) deleted`);
      }),
    );
  return queue;
}

function formatQueue(entries: readonly QueueEntry[]): string[] {
  if (entries.length === 0) return ['the queue is empty'];
  const lines: string[] = [];
  for (const e of entries) {
    lines.push(`${e.queueId}  ${new Date(e.receivedAt).toISOString()}  from <${e.mailFrom}>`);
    for (const r of e.recipients) {
      const next = r.status === 'deferred' ? `  next ${new Date(r.nextAttemptAt).toISOString()}` : '';
      lines.push(`    ${r.status.padEnd(11)} <${r.recipient}>  attempts ${r.attempts}${next}${r.lastReply ? `  ${r.lastReply}` : ''}`);
    }
  }
  return lines;
}
