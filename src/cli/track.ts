/**
 * `portcullis track [--from ADDR] [--to ADDR] [--id QUEUEID] [--since T] [--until T] [--limit N] [--json]`:
 * what happened to messages, from the tracking log (observe/tracking.ts). Addresses match exactly
 * (case-insensitive) or, written as `@domain`, every address of the domain. Times are ISO 8601
 * or relative to now (`30m`, `1h`, `2d`, `1w`). Newest first; a table by default, one JSON object
 * per message with --json.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { TrackedMessage, TrackingFilter } from '../observe/tracking.js';
import { parsePositiveInt } from './audit.js';
import { withCliContext } from './context.js';

interface TrackOptions {
  config?: string;
  from?: string;
  to?: string;
  id?: string;
  since?: number;
  until?: number;
  limit?: number;
  json?: boolean;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function trackCommand(): Command {
  return new Command('track')
    .description('search what happened to messages (by sender, recipient, queue id, time)')
    .option('-c, --config <file>', 'configuration file')
    .option('--from <addr>', 'envelope sender (or @domain)')
    .option('--to <addr>', 'envelope recipient (or @domain)')
    .option('--id <queueId>', 'queue id')
    .option('--since <time>', 'received at or after: ISO 8601, or 30m, 1h, 2d, 1w ago', parseTime)
    .option('--until <time>', 'received before: ISO 8601, or 30m, 1h, 2d, 1w ago', parseTime)
    .option('--limit <n>', 'at most N messages (default 100)', parsePositiveInt)
    .option('--json', 'one JSON object per message')
    .action((opts: TrackOptions) =>
      withCliContext(opts, async (ctx) => {
        const filter: TrackingFilter = {
          ...(opts.from !== undefined ? { sender: opts.from } : {}),
          ...(opts.to !== undefined ? { recipient: opts.to } : {}),
          ...(opts.id !== undefined ? { queueId: opts.id } : {}),
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.until !== undefined ? { until: opts.until } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        };
        const found = await ctx.tracking.search(filter);
        if (opts.json) {
          for (const m of found) console.log(JSON.stringify(m));
        } else if (found.length === 0) {
          console.log('no matching messages');
        } else {
          for (const m of found) for (const line of formatTracked(m)) console.log(line);
        }
      }),
    );
}

/** An ISO 8601 time, or a duration ago (`90s`, `30m`, `1h`, `2d`, `1w`), as milliseconds since the epoch. */
export function parseTime(value: string, now = Date.now()): number {
  const relative = /^(\d+)([smhdw])$/.exec(value);
  if (relative?.[1] && relative[2]) return now - Number(relative[1]) * (UNIT_MS[relative[2]] ?? 0);
  const at = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at)) {
    throw new InvalidArgumentError('expected an ISO 8601 time (2024-05-01 or 2024-05-01T12:00:00Z) or a duration like 1h, 2d');
  }
  return at;
}

function formatTracked(m: TrackedMessage): string[] {
  const lines: string[] = [];
  const s = m.message;
  if (s) {
    lines.push(
      `${new Date(s.receivedAt).toISOString()}  ${s.queueId}  ${s.action.toUpperCase()} (score ${s.score}, rule ${s.rule})  ${s.direction}` +
        `  from <${s.mailFrom}> to ${s.rcptTo.map((r) => `<${r}>`).join(', ')}`,
    );
    lines.push(`    client ${s.clientAddress}${s.clientHostname ? ` (${s.clientHostname})` : ''} helo ${s.helo}${s.tls ? ` tls ${s.tls}` : ''}${s.authUser ? ` auth ${s.authUser}` : ''}`);
    if (s.subject !== undefined || s.messageId !== undefined) lines.push(`    subject ${JSON.stringify(s.subject ?? '')} message-id ${s.messageId ?? '-'}`);
    if (s.findings.length > 0) lines.push(`    findings ${s.findings.map((f) => `${f.id}(${f.score})`).join(' ')}`);
  } else {
    lines.push(`${m.queueId}  (no message summary recorded)`);
  }
  for (const e of m.events) {
    lines.push(`    ${new Date(e.at).toISOString()}  ${e.kind.padEnd(11)}${e.recipient ? ` <${e.recipient}>` : ''}${e.detail ? `  ${e.detail}` : ''}`);
  }
  return lines;
}
