// No command can run (issue 3 item 8; CVE-2023-2868, where Barracuda's ESG passed .tar member
// names to a shell). Tar, tar.gz and zip attachments whose member names would each create a
// canary file if any part of the gateway handed them to a shell are sent over SMTP to a
// gateway running in-process (sandbox processes and all) and scanned with `portcullis scan`.
// Every message is rejected with 550 for ARCHIVE_MEMBER_SHELL_METACHARS, the scan says the
// same, a message with ordinary archive names gets 250 (so the 550s are about the names), and
// the canary never appears.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createTransport } from 'nodemailer';
import { parseConfig } from '../../src/config/load.js';
import { runScan, type ScanIo } from '../../src/cli/scan.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observe/logger.js';
import { buildTar } from '../scan/archive/tar-builder.js';
import { buildZip } from '../scan/archive/zip-builder.js';

const dirs: string[] = [];
const temp = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
const canaryDir = temp('portcullis-canary-');
const canary = join(canaryDir, 'canary');

/** Names that would each run `touch <canary>` in a shell, in the shapes attackers use. */
function payloadNames(): string[] {
  const touch = `touch ${canary}`;
  const encoded = Buffer.from(touch).toString('base64');
  return [
    `$(${touch}).txt`,
    `\`${touch}\`.pdf`,
    `'\`echo ${encoded}|base64 -d|sh\`.tar'`, // the CVE-2023-2868 shape
    `report.pdf; ${touch}`,
    `x.doc && ${touch}`,
    `x.txt | sh -c "${touch}"`,
    `docs/$(echo ${encoded}|base64 -d|bash)/readme.txt`,
    `a\n${touch}\n.txt`,
  ];
}

const silent = createLogger({ level: 'silent' });
let gateway: Gateway;

before(async () => {
  const dataDir = temp('portcullis-canary-data-');
  const config = parseConfig({ dataDir, smtp: { listen: '127.0.0.1:0', hostname: 'mx.test' }, http: { listen: '127.0.0.1:0' }, scan: { sandboxes: 1 } }, 'test');
  gateway = await startGateway(config, { logger: silent });
});

after(async () => {
  await gateway?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Attachment {
  readonly filename: string;
  readonly content: Buffer;
}

/** The message bytes, built once and used for both SMTP and `portcullis scan`. */
async function compose(subject: string, attachment: Attachment): Promise<Buffer> {
  const info = await createTransport({ streamTransport: true, buffer: true }).sendMail({
    from: 'sender@client.test',
    to: 'someone@example.org',
    subject,
    text: 'see attachment',
    attachments: [attachment],
  });
  return info.message as Buffer;
}

/** Sends raw bytes over SMTP; resolves to the final reply code (nodemailer rejects on 5xx). */
async function send(raw: Buffer): Promise<{ code: number; response: string }> {
  const transport = createTransport({ host: gateway.smtp.host, port: gateway.smtp.port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope: { from: 'sender@client.test', to: ['someone@example.org'] }, raw });
    return { code: Number(info.response.slice(0, 3)), response: info.response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string };
    return { code: e.responseCode ?? 0, response: e.response ?? String(err) };
  } finally {
    transport.close();
  }
}

async function attachments(): Promise<Attachment[]> {
  const names = payloadNames();
  const tar = await buildTar(names.map((name) => ({ name, content: 'x' })));
  return [
    { filename: 'payload.tar', content: tar },
    { filename: 'payload.tar.gz', content: gzipSync(tar) },
    { filename: 'payload.zip', content: buildZip(names.map((name) => ({ name, content: 'x' }))) },
    // The archive's own name does not matter: detection is by bytes.
    { filename: 'quarterly.pdf', content: buildZip([{ name: `$(touch ${canary})`, content: 'x' }]) },
  ];
}

test('every payload archive sent over SMTP gets 550 for ARCHIVE_MEMBER_SHELL_METACHARS', async () => {
  for (const attachment of await attachments()) {
    const reply = await send(await compose(`payload in ${attachment.filename}`, attachment));
    assert.equal(reply.code, 550, `${attachment.filename}: ${reply.response}`);
    // The rule that decided is the one for ARCHIVE_MEMBER_SHELL_METACHARS (named by the policy's rule list).
    assert.match(reply.response, /rejected by policy \((decisive:ARCHIVE_MEMBER_SHELL_METACHARS|default:archive-shell-payload)\)/, attachment.filename);
  }
  assert.equal(existsSync(canary), false, 'the canary appeared: a member name was run');
});

test('an archive with ordinary member names is accepted (the 550s are about the names)', async () => {
  const zip = buildZip([{ name: 'Q&A (final).txt', content: 'x' }, { name: "Tom's notes; v2.txt", content: 'y' }]);
  const reply = await send(await compose('ordinary', { filename: 'notes.zip', content: zip }));
  assert.equal(reply.code, 250, reply.response);
});

test('portcullis scan gives the same verdict on the same bytes, and the canary never appears', async () => {
  const folder = temp('portcullis-canary-scan-');
  const list = await attachments();
  for (const [i, attachment] of list.entries()) writeFileSync(join(folder, `${i}.eml`), await compose(`payload ${i}`, attachment));
  // Outside the folder: a YAML file begins like a header line and would be scanned as a message.
  const config = join(temp('portcullis-canary-config-'), 'portcullis.yaml');
  writeFileSync(config, 'scan:\n  timeoutMs: 20000\n');
  const lines: string[] = [];
  const io: ScanIo = { out: (line) => lines.push(line), err: () => undefined };
  assert.equal(await runScan([folder], { config, direction: 'inbound', json: true }, io), 0);
  assert.equal(lines.length, list.length);
  for (const line of lines) {
    const result = JSON.parse(line) as { file: string; action: string; findings: { id: string; detail: string }[] };
    assert.equal(result.action, 'reject', result.file);
    const shell = result.findings.find((f) => f.id === 'ARCHIVE_MEMBER_SHELL_METACHARS');
    assert.ok(shell, `${result.file}: ${result.findings.map((f) => f.id).join(', ')}`);
  }
  assert.equal(existsSync(canary), false, 'the canary appeared: a member name was run');
});
