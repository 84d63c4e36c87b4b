/**
 * ClamAV end to end against the real clamd that scripts/start-clamd.sh starts (CI runs it):
 * TCP 127.0.0.1:3310 and its unix socket, with only the project's test signatures. Messages are
 * scanned through `portcullis scan` (runScan: sandbox processes, the clamav analyzer, policy).
 *
 * EICAR is assembled at run time from parts (the repository never holds it in one piece) and
 * sent as a base64 attachment, a quoted-printable attachment, inside a zip and inside a tar.gz
 * (both built here). A clean attachment gives no CLAMAV_* finding; clamd configured on a closed
 * port gives CLAMAV_UNAVAILABLE and tempfail. When clamd is down the tests FAIL, naming it.
 *
 * Archives: the zip and tar.gz cases hold whether Portcullis extracts the member itself (the
 * archive-contents analyzer appends it to ctx.facts.files) or clamd unpacks the archive it is
 * sent: the assertion is on the archive's name, which both readings report.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32, gzipSync } from 'node:zlib';
import { runScan, type ScanIo } from '../../src/cli/scan.js';
import { ClamdClient } from '../../src/scan/clamd-client.js';

const CLAMD_PORT = Number(process.env.PORTCULLIS_CLAMD_PORT ?? 3310);
/** Where scripts/start-clamd.sh puts the unix socket (same defaults). */
const CLAMD_DIR =
  process.env.PORTCULLIS_CLAMD_DIR ??
  (process.getuid?.() === 0 ? '/run/portcullis-clamd' : join(process.env.TMPDIR ?? '/tmp', `portcullis-clamd-${process.getuid?.() ?? 0}`));
const CLAMD_SOCKET = join(CLAMD_DIR, 'clamd.sock');

/** The EICAR test file, assembled so that no source file holds it whole. */
const EICAR = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)', '7}$EICAR-STANDARD-ANTIVIRUS', '-TEST-FILE!$H+H*'].join(''), 'latin1');

/** A one-member zip, stored (method 0), as PKWARE's APPNOTE lays it out. */
function zipOf(name: string, content: Buffer): Buffer {
  const nameBytes = Buffer.from(name, 'latin1');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const centralOffset = local.length + nameBytes.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, content, central, nameBytes, end]);
}

/** A one-member ustar archive, gzipped. */
function tarGzOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'latin1');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write('0', 156, 'latin1');
  header.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, content, padding, Buffer.alloc(1024)]));
}

/** Quoted-printable with every `$` and `!` written as =XX and a soft line break, as mailers do. */
function quotedPrintable(content: Buffer): string {
  const text = content.toString('latin1').replace(/[$!=]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `${text.slice(0, 40)}=\r\n${text.slice(40)}`;
}

function message(name: string, type: string, encoding: string, body: string): string {
  return [
    'Received: from client.example (client.example [192.0.2.7]) by mx.example.org with ESMTP; Thu, 1 Jan 2026 00:00:00 +0000',
    'From: Sender <sender@example.org>',
    'To: rcpt@example.net',
    'Subject: attachment test',
    'Date: Thu, 1 Jan 2026 00:00:00 +0000',
    `Message-ID: <${name.replace(/\W/g, '')}@example.org>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Please see the attachment.',
    '--b1',
    `Content-Type: ${type}; name="${name}"`,
    `Content-Disposition: attachment; filename="${name}"`,
    `Content-Transfer-Encoding: ${encoding}`,
    '',
    body,
    '--b1--',
    '',
  ].join('\r\n');
}

const base64Lines = (content: Buffer): string => content.toString('base64').replace(/.{1,76}/g, '$&\r\n').trimEnd();

interface Line {
  readonly file: string;
  readonly action: string;
  readonly rule: string;
  readonly findings: readonly { id: string; detail: string }[];
}

let dir: string;

/** Scans the named messages (written to the temp dir) with `scan.clamav.address` = address. */
async function scanWith(address: string, messages: Readonly<Record<string, string>>): Promise<Map<string, Line>> {
  const folder = mkdtempSync(join(dir, 'messages-'));
  for (const [file, text] of Object.entries(messages)) writeFileSync(join(folder, file), text);
  const config = join(folder, '..', `config-${Object.keys(messages).join('-').replace(/\W/g, '')}.yaml`);
  writeFileSync(config, `scan:\n  timeoutMs: 20000\n  clamav:\n    address: "${address}"\n    timeoutMs: 5000\n`);
  const lines: string[] = [];
  const errors: string[] = [];
  const io: ScanIo = { out: (l) => lines.push(l), err: (l) => errors.push(l) };
  const code = await runScan([folder], { config, direction: 'inbound', json: true }, io);
  assert.equal(code, 0, errors.join('\n'));
  return new Map(lines.map((l) => JSON.parse(l) as Line).map((l) => [l.file.slice(folder.length + 1), l]));
}

function clamavFindings(line: Line | undefined): readonly { id: string; detail: string }[] {
  return (line?.findings ?? []).filter((f) => f.id.startsWith('CLAMAV_'));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-clamav-services-'));
  const client = new ClamdClient({ address: { kind: 'tcp', host: '127.0.0.1', port: CLAMD_PORT }, timeoutMs: 5000, maxBytes: 1024 });
  try {
    await client.ping(AbortSignal.timeout(5000));
  } catch (err) {
    throw new Error(
      `clamd is not reachable at tcp://127.0.0.1:${CLAMD_PORT} (${(err as Error).message}); ` +
        'start it with scripts/start-clamd.sh (as .ci/run does) before npm run test:services',
    );
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('clamav with the real clamd', () => {
  it('rejects EICAR as a base64 and a quoted-printable attachment, inside a zip and inside a tar.gz', async () => {
    const lines = await scanWith(`tcp://127.0.0.1:${CLAMD_PORT}`, {
      'base64.eml': message('eicar.com', 'application/octet-stream', 'base64', base64Lines(EICAR)),
      'qp.eml': message('eicar.txt', 'text/plain', 'quoted-printable', quotedPrintable(EICAR)),
      'zip.eml': message('eicar.zip', 'application/zip', 'base64', base64Lines(zipOf('docs/eicar.com', EICAR))),
      'targz.eml': message('eicar.tar.gz', 'application/gzip', 'base64', base64Lines(tarGzOf('eicar.com', EICAR))),
    });
    const expectedFile: Record<string, RegExp> = {
      'base64.eml': /in "eicar\.com"$/,
      'qp.eml': /in "eicar\.txt"$/,
      'zip.eml': /in "eicar\.zip"/,
      'targz.eml': /in "eicar\.tar\.gz"/,
    };
    assert.deepEqual([...lines.keys()].sort(), Object.keys(expectedFile).sort());
    for (const [file, where] of Object.entries(expectedFile)) {
      const line = lines.get(file);
      assert.equal(line?.action, 'reject', `${file}: ${JSON.stringify(line)}`);
      assert.equal(line?.rule, 'default:malware', file);
      // An archive may be named twice: once whole, once as the member Portcullis extracted.
      const infected = clamavFindings(line);
      assert.ok(infected.length >= 1, `${file}: ${JSON.stringify(infected)}`);
      assert.ok(infected.every((f) => f.id === 'CLAMAV_INFECTED'), `${file}: ${JSON.stringify(infected)}`);
      // Our decoder handed clamd the attachment (not only the whole message): it is named.
      assert.match(infected[0]?.detail ?? '', /^Portcullis\.Test\.EICAR/, file);
      assert.match(infected[0]?.detail ?? '', where, file);
    }
  });

  it('finds EICAR through clamd\'s unix socket too', async () => {
    const lines = await scanWith(CLAMD_SOCKET, { 'unix.eml': message('eicar.com', 'application/octet-stream', 'base64', base64Lines(EICAR)) });
    const line = lines.get('unix.eml');
    assert.equal(line?.action, 'reject', JSON.stringify(line));
    assert.deepEqual(clamavFindings(line).map((f) => f.id), ['CLAMAV_INFECTED']);
  });

  it('reports nothing for a clean attachment', async () => {
    const clean = Buffer.from('Quarterly figures, nothing to see here.\r\n'.repeat(50));
    const lines = await scanWith(`tcp://127.0.0.1:${CLAMD_PORT}`, {
      'clean.eml': message('figures.txt', 'text/plain', 'base64', base64Lines(clean)),
      'clean-zip.eml': message('figures.zip', 'application/zip', 'base64', base64Lines(zipOf('figures.txt', clean))),
    });
    for (const file of ['clean.eml', 'clean-zip.eml']) {
      const line = lines.get(file);
      assert.deepEqual(clamavFindings(line), [], file);
      assert.ok(line && !['reject', 'tempfail'].includes(line.action), `${file}: ${JSON.stringify(line)}`);
    }
  });

  it('tempfails when clamd is configured but nothing listens (fail closed)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const lines = await scanWith(`tcp://127.0.0.1:${port}`, {
      'down.eml': message('eicar.com', 'application/octet-stream', 'base64', base64Lines(EICAR)),
    });
    const line = lines.get('down.eml');
    assert.equal(line?.action, 'tempfail', JSON.stringify(line));
    assert.equal(line?.rule, 'default:scan-unfinished');
    assert.match(clamavFindings(line)[0]?.detail ?? '', new RegExp(`clamd at tcp://127\\.0\\.0\\.1:${port}: connection failed \\(ECONNREFUSED\\)`));
  });
});
