/**
 * `node dist/eval/clamav-testfiles.js [DIR] [--no-clamd]` (after `npm run build`): for each file of
 * ../shared/corpus/clamav-testfiles (clam.exe packed, archived and encoded many ways), whether
 * Portcullis finds clam.exe by true type (FILE_EXECUTABLE) and, with a clamd, by ClamAV
 * (CLAMAV_INFECTED), and the share of files where either did (issue 3, "Measured").
 *
 * Files that begin like a message are scanned as they are; every other file is wrapped, at run
 * time in a temporary folder, as a base64 attachment of a generated message (named by its index,
 * not by the corpus file). The scans go through `portcullis scan`'s machinery (scan-corpus.ts).
 * For ClamAV it starts its OWN clamd (not the services-test one): a temporary database holding
 * the project's test signatures plus one MD5 signature for clam.exe computed from the corpus
 * file now (never written into the project), on a free loopback port; it is stopped at the end.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sniffMessage } from '../src/cli/scan.js';
import { formatTable } from '../bench/report-table.js';
import { scanCorpus, type ScanLine } from './scan-corpus.js';
import { freePort } from '../test/helpers/free-port.js';

const DEFAULT_DIR = '../shared/corpus/clamav-testfiles';
const SIGNATURE_NAME = 'Portcullis.Eval.ClamExe';
const CLAMD_READY_MS = 60_000;
const TEST_SIGNATURES = ['test/fixtures/clamav/portcullis-test.hdb', 'test/fixtures/clamav/portcullis-test.ndb'];

function wrap(name: string, content: Buffer): string {
  const base64 = content.toString('base64').replace(/.{1,76}/g, '$&\r\n');
  return [
    'From: Eval <eval@sender.test>', 'To: <inbox@example.org>', `Subject: clamav-testfiles ${name}`,
    'Date: Thu, 26 Nov 2026 12:00:00 +0000', 'Message-ID: <clamav-testfiles@sender.test>', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'Attached.', '--b',
    `Content-Type: application/octet-stream; name="${name}"`, 'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${name}"`, '', base64 + '--b--', '',
  ].join('\r\n');
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.end('zPING\0'));
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (reply += d));
    socket.on('close', () => resolve(reply.startsWith('PONG')));
    socket.on('error', () => resolve(false));
  });
}

/** Starts clamd with the test signatures and the clam.exe signature; resolves with its port and a stop function. */
async function startClamd(work: string, clamExe: Buffer): Promise<{ port: number; stop(): Promise<void> }> {
  const db = join(work, 'db');
  await mkdir(db);
  for (const sig of TEST_SIGNATURES) copyFileSync(sig, join(db, sig.split('/').pop() as string));
  writeFileSync(join(db, 'portcullis-eval.hdb'), `${createHash('md5').update(clamExe).digest('hex')}:${clamExe.length}:${SIGNATURE_NAME}\n`);
  const port = await freePort();
  const conf = join(work, 'clamd.conf');
  writeFileSync(conf, [
    `DatabaseDirectory ${db}`, `TCPSocket ${port}`, 'TCPAddr 127.0.0.1', 'Foreground yes', 'StreamMaxLength 100M',
    'MaxThreads 2', 'Bytecode no', `LogFile ${join(work, 'clamd.log')}`, '',
  ].join('\n'));
  const child = spawn('clamd', [`--config-file=${conf}`], { stdio: 'ignore', shell: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + CLAMD_READY_MS;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`clamd did not answer on 127.0.0.1:${port}; see ${join(work, 'clamd.log')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { port, stop: async () => void (child.kill('SIGTERM'), await exited) };
}

interface FileResult {
  readonly file: string;
  readonly how: 'message' | 'attachment';
  readonly action: string;
  readonly byType: boolean;
  readonly byClamav?: boolean;
  readonly findings: string;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'no-clamd': { type: 'boolean', default: false } } });
  const dir = positionals[0] ?? DEFAULT_DIR;
  const names = readdirSync(dir).filter((n) => n.startsWith('clam') && statSync(join(dir, n)).isFile()).sort();
  const work = await mkdtemp(join(tmpdir(), 'portcullis-eval-clamav-'));
  const inputs = join(work, 'inputs');
  await mkdir(inputs);
  try {
    const how = new Map<string, FileResult['how']>();
    const corpusName = new Map<string, string>();
    names.forEach((name, i) => {
      const source = join(dir, name);
      const target = join(inputs, `${String(i).padStart(3, '0')}.eml`);
      const isMessage = sniffMessage(source) !== undefined;
      if (isMessage) copyFileSync(source, target);
      else writeFileSync(target, wrap(name, readFileSync(source)));
      how.set(target, isMessage ? 'message' : 'attachment');
      corpusName.set(target, name);
    });
    const byFile = (lines: readonly ScanLine[]): Map<string, ScanLine> => new Map(lines.map((l) => [l.file, l]));
    const plain = byFile((await scanCorpus([inputs])).lines);
    let withClamd: Map<string, ScanLine> | undefined;
    if (!values['no-clamd']) {
      const clamd = await startClamd(work, readFileSync(join(dir, 'clam.exe')));
      try {
        const config = join(work, 'portcullis.yaml');
        writeFileSync(config, `scan:\n  clamav:\n    address: tcp://127.0.0.1:${clamd.port}\n`);
        withClamd = byFile((await scanCorpus([inputs], { config })).lines);
      } finally {
        await clamd.stop();
      }
    }
    const results: FileResult[] = [...corpusName].map(([target, name]) => {
      const line = plain.get(target);
      const clam = withClamd?.get(target);
      const ids = (l: ScanLine | undefined): string[] => [...new Set(l?.findings.map((f) => f.id) ?? [])];
      return {
        file: name,
        how: how.get(target) ?? 'attachment',
        action: clam ? `${line?.action ?? 'none'} / ${clam.action}` : (line?.action ?? 'none'),
        byType: ids(line).includes('FILE_EXECUTABLE'),
        ...(withClamd ? { byClamav: (clam?.findings ?? []).some((f) => f.id === 'CLAMAV_INFECTED' && f.detail.includes(SIGNATURE_NAME)) } : {}),
        findings: ids(clam ?? line).join(' '),
      };
    });
    for (const line of formatTable(
      ['file', 'scanned as', 'action (no clamd / clamd)', 'by true type', 'by ClamAV', 'findings (with clamd)'],
      results.map((r) => [r.file, r.how, r.action, r.byType ? 'yes' : 'no', r.byClamav === undefined ? '-' : r.byClamav ? 'yes' : 'no', r.findings]),
    )) console.log(line);
    const n = results.length;
    const byType = results.filter((r) => r.byType).length;
    const byClamav = results.filter((r) => r.byClamav).length;
    const either = results.filter((r) => r.byType || r.byClamav).length;
    const summary = { eval: 'clamav-testfiles', dir, files: n, byTrueType: byType, byClamav: withClamd ? byClamav : null, byEither: either, share: Number((either / n).toFixed(3)) };
    console.log(`\nclam.exe found in ${either}/${n} files (${(100 * either / n).toFixed(1)}%): by true type ${byType}, by ClamAV ${withClamd ? byClamav : 'not run'}`);
    console.log(JSON.stringify({ ...summary, results }));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
});
