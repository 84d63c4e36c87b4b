/**
 * `npm run eval -- [PATH...] [--config FILE] [--json-lines FILE]`: scans each folder as
 * `portcullis scan` does (eval/scan-corpus.ts) and prints, per folder given and per immediate
 * sub-folder (spamassassin's easy-ham-1 / spam-1 / hard-ham-1, say), how many messages got each
 * action and how many carried each finding id (a message counts once per id), the slowest scan,
 * as a Markdown table, then one JSON line per folder (`{"eval":"folder",...}`).
 * Default PATH: ../shared/corpus when it exists. --json-lines FILE keeps every per-message
 * verdict line (`portcullis scan --json`). The corpus is only read, never copied.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatTable } from '../bench/report-table.js';
import { scanCorpus } from './scan-corpus.js';
import { tallyFolder, type Tally } from './tally-folder.js';

const DEFAULT_CORPUS = '../shared/corpus';
function printFolder(folder: string, skipped: number, total: Tally, subfolders: ReadonlyMap<string, Tally>): void {
  const columns: [string, Tally][] = [['all', total], ...[...subfolders].sort(([a], [b]) => a.localeCompare(b))];
  const byCount = (record: Record<string, number>): string[] => Object.keys(record).sort((a, b) => (record[b] ?? 0) - (record[a] ?? 0) || a.localeCompare(b));
  const rows: (string | number)[][] = [
    ['messages', ...columns.map(([, t]) => t.messages)],
    ...byCount(total.actions).map((action) => [`action ${action}`, ...columns.map(([, t]) => t.actions[action] ?? 0)]),
    ...byCount(total.findings).map((id) => [id, ...columns.map(([, t]) => t.findings[id] ?? 0)]),
  ];
  console.log(`\n## ${folder}: ${total.messages} messages, ${skipped} other files skipped; slowest ${total.slowestMs} ms (${total.slowestFile})\n`);
  for (const line of formatTable(['', ...columns.map(([name]) => name)], rows)) console.log(line);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { config: { type: 'string' }, 'json-lines': { type: 'string' } },
  });
  const folders = positionals.length > 0 ? positionals : existsSync(DEFAULT_CORPUS) ? [DEFAULT_CORPUS] : [];
  if (folders.length === 0) throw new Error(`no folder given and ${DEFAULT_CORPUS} does not exist`);
  const verdicts = values['json-lines'] === undefined ? undefined : createWriteStream(values['json-lines']);
  const summaries: string[] = [];
  try {
    for (const folder of folders) {
      const scan = await scanCorpus([folder], {
        ...(values.config !== undefined ? { config: values.config } : {}),
        ...(verdicts ? { onLine: (json: string) => void verdicts.write(`${json}\n`) } : {}),
      });
      if (scan.exitCode !== 0) {
        process.exitCode = 1;
        continue;
      }
      const { total, subfolders } = tallyFolder(folder, scan.lines);
      printFolder(folder, scan.skipped.length, total, subfolders);
      summaries.push(JSON.stringify({
        eval: 'folder', folder, skipped: scan.skipped.length, wallS: Number((scan.wallMs / 1000).toFixed(2)), ...total,
        subfolders: Object.fromEntries(subfolders),
      }));
    }
  } finally {
    await new Promise<void>((resolve) => (verdicts ? verdicts.end(resolve) : resolve()));
  }
  console.log('');
  for (const line of summaries) console.log(line);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
});
