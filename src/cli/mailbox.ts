/**
 * `portcullis mailbox list [--json] [--to ADDRESS]` and `mailbox show ID`: what arrived in the
 * built-in local mailbox (used when no accepted domain is configured). Read-only: nothing here
 * changes state, so nothing is audited. `show` prints the stored copy byte for byte; the id is
 * checked before it becomes a path.
 */
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { LocalMailbox, mailboxDirectory } from '../deliver/local-mailbox.js';
import { withCliContext } from './context.js';

export function mailboxCommand(): Command {
  const mailbox = new Command('mailbox').description('messages delivered to the built-in local mailbox');
  mailbox
    .command('list')
    .description('newest first')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'one JSON object per message')
    .option('--to <address>', 'only messages for this recipient')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 100)
    .action((opts: { config?: string; json?: boolean; to?: string; limit: number }) =>
      withCliContext(opts, async (ctx) => {
        const box = await LocalMailbox.open({ dir: mailboxDirectory(ctx.config), db: ctx.db, fsync: ctx.config.spool.fsync });
        const entries = await box.list({ ...(opts.to !== undefined ? { recipient: opts.to } : {}), limit: opts.limit });
        if (opts.json) {
          for (const e of entries) console.log(JSON.stringify(e));
          return;
        }
        if (entries.length === 0) console.log('the local mailbox is empty');
        for (const e of entries) {
          console.log(
            `${e.id}  ${new Date(e.stored_at).toISOString()}  to <${e.recipient}>  from <${e.mail_from}>  ${e.size} bytes  queue ${e.queue_id}\n` +
              `    Subject: ${e.subject ?? '(none)'}`,
          );
        }
      }),
    );
  mailbox
    .command('show <id>')
    .description('print a stored message as delivered')
    .option('-c, --config <file>', 'configuration file')
    .action((id: string, opts: { config?: string }) =>
      withCliContext(opts, async (ctx) => {
        const box = await LocalMailbox.open({ dir: mailboxDirectory(ctx.config), db: ctx.db, fsync: ctx.config.spool.fsync });
        await pipeline(await box.open(id), process.stdout, { end: false });
      }),
    );
  return mailbox;
}
