/**
 * SMTP smuggling (issue 2, item 8): only CRLF.CRLF ends DATA, and nothing the gateway relays
 * carries a dot line that a laxer downstream MTA could take for the end of DATA.
 *
 * For every end-of-data variant in test/fixtures/smtp-smuggling/eod-sequences.json (SEC
 * Consult's scanner list, inbound and outbound), a raw socket sends one DATA holding a first
 * message, the variant, and a smuggled second message (its own MAIL FROM, RCPT, DATA and a
 * forged `From: ceo@example.org`), then the one proper CRLF.CRLF and QUIT, pipelined. The
 * gateway runs as a process relaying inbound mail to a downstream sink and outbound mail to a
 * smarthost (the same sink), which records what it got and the raw bytes on its wire.
 *
 * Asserted per variant: after 354 the gateway answered exactly twice (the final reply to the
 * one DATA, and 221 to QUIT), so no smuggled MAIL FROM ever got 250; either that final reply
 * was 250 and the sink received the first message exactly once, with the original envelope, or
 * it was 4xx/5xx and the sink received nothing of it. Asserted over the whole run: the sink
 * never saw attacker@evil.test as a sender, and neither the messages it received nor the bytes
 * on its wire contain a loose dot line (test/helpers/loose-dot-lines.ts says what that is).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { relayConfig, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { findLooseDotLines } from '../helpers/loose-dot-lines.js';
import { projectRoot } from '../helpers/project-root.js';
import { connectRawSmtp, formatReply, type SmtpReply } from '../helpers/raw-smtp.js';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../helpers/smtp-sink.js';

interface EodFixture {
  readonly inbound_eod_sequences: readonly string[];
  readonly outbound_eod_sequences: readonly string[];
  readonly legit_eod: string;
}

type Direction = 'inbound' | 'outbound';

const ATTACKER = 'attacker@evil.test';
const CASE_TIMEOUT_MS = 30_000;
/** How long to keep watching the sink for a second copy after the first arrived. */
const SETTLE_MS = 700;

const fixture = JSON.parse(
  await readFile(join(projectRoot(import.meta.url), 'test', 'fixtures', 'smtp-smuggling', 'eod-sequences.json'), 'utf8'),
) as EodFixture;

function parties(direction: Direction): { from: string; to: string; victim: string } {
  return direction === 'inbound'
    ? { from: 'alice@sender.test', to: 'bob@example.org', victim: 'victim@example.org' }
    : { from: 'alice@example.org', to: 'bob@external.test', victim: 'victim@external.test' };
}

/** The bytes sent after 354: first message, the variant, the smuggled message, CRLF.CRLF, QUIT. */
function smugglingPayload(direction: Direction, sequence: string, marker: string): string {
  const { from, to, victim } = parties(direction);
  const first = [
    `From: Alice <${from}>`,
    `To: Bob <${to}>`,
    `Subject: quarterly figures ${marker}`,
    'Date: Mon, 02 Nov 2026 10:00:00 +0000',
    `Message-ID: <${marker}@sender.test>`,
    `X-Test-Case: ${marker}`,
    '',
    'Hello Bob,',
    'the figures are attached to nothing at all.',
  ].join('\r\n');
  const smuggled = [
    `MAIL FROM:<${ATTACKER}>`,
    `RCPT TO:<${victim}>`,
    'DATA',
    'From: The CEO <ceo@example.org>',
    `To: <${victim}>`,
    'Subject: urgent wire transfer',
    'Date: Mon, 02 Nov 2026 10:01:00 +0000',
    `Message-ID: <smuggled-${marker}@example.org>`,
    '',
    'Pay the invoice today.',
  ].join('\r\n');
  return `${first}${sequence}${smuggled}\r\n.\r\nQUIT\r\n`;
}

function describeReplies(replies: readonly SmtpReply[]): string {
  return replies.map(formatReply).join('\n');
}

function caseMessages(sink: SmtpSink, marker: string): SinkMessage[] {
  return sink.messages.filter((m) => m.raw.includes(`X-Test-Case: ${marker}`));
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** Runs one conversation and returns the replies that followed 354. */
async function converse(gateway: GatewayProcess, direction: Direction, sequence: string, marker: string): Promise<SmtpReply[]> {
  const { from, to } = parties(direction);
  const client = await connectRawSmtp(gateway.smtp.host, gateway.smtp.port);
  try {
    assert.equal(client.greeting.code, 220, describeReplies(client.replies));
    assert.equal((await client.command('EHLO client.sender.test')).code, 250, describeReplies(client.replies));
    assert.equal((await client.command(`MAIL FROM:<${from}>`)).code, 250, describeReplies(client.replies));
    assert.equal((await client.command(`RCPT TO:<${to}>`)).code, 250, describeReplies(client.replies));
    assert.equal((await client.command('DATA')).code, 354, describeReplies(client.replies));
    await client.send(smugglingPayload(direction, sequence, marker));
    // QUIT closes the connection, which ends the read; the quiet time covers scanning.
    return await client.readUntilQuiet(CASE_TIMEOUT_MS - 5_000, CASE_TIMEOUT_MS - 5_000);
  } finally {
    client.close();
  }
}

describe('findLooseDotLines (the detector this test relies on)', () => {
  test('flags every smuggling variant of the fixture and nothing legitimate', () => {
    const variants = new Set([...fixture.inbound_eod_sequences, ...fixture.outbound_eod_sequences]);
    assert.ok(variants.size >= 9, 'the fixture lists the SEC Consult variants');
    for (const variant of variants) {
      const bytes = Buffer.from(`line one${variant}MAIL FROM:<x@y.test>\r\n`, 'latin1');
      assert.ok(findLooseDotLines(bytes).length > 0, `variant ${JSON.stringify(variant)} must be flagged`);
    }
    assert.deepEqual(findLooseDotLines(Buffer.from(`a${fixture.legit_eod}`, 'latin1')), []);
    assert.deepEqual(findLooseDotLines(Buffer.from('a\r\n..\r\nb\n..\nc\r\n.x\r\n', 'latin1')), []);
    assert.deepEqual(findLooseDotLines(Buffer.from('.\r\nb', 'latin1')), []);
    assert.deepEqual(findLooseDotLines(Buffer.from('.\nb', 'latin1')), [0]);
  });
});

describe('SMTP smuggling: only CRLF.CRLF ends DATA', { timeout: 240_000 }, () => {
  let dataDir: string;
  let sink: SmtpSink;
  let gateway: GatewayProcess;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portcullis-smuggling-'));
    sink = await startSmtpSink();
    const downstream = { host: sink.host, port: sink.port };
    const base = relayConfig(downstream);
    gateway = await startGatewayProcess({
      config: { ...base, delivery: { ...(base.delivery as object), smarthost: `smtp://${sink.host}:${sink.port}` } },
      dataDir,
    });
  });

  after(async () => {
    await gateway?.stop();
    await sink?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('control: a plain message is relayed exactly once (the harness can see a delivery)', { timeout: CASE_TIMEOUT_MS }, async () => {
    const marker = 'control-plain';
    const replies = await converse(gateway, 'inbound', '\r\n', marker);
    // Without a variant the "smuggled" lines are ordinary body text of the one message.
    assert.deepEqual(replies.map((r) => r.code), [250, 221], `${describeReplies(replies)}\n${gateway.output()}`);
    assert.ok(await waitUntil(() => caseMessages(sink, marker).length > 0, 20_000), `not relayed:\n${gateway.output()}`);
    assert.equal(caseMessages(sink, marker).length, 1);
  });

  const cases: Array<{ direction: Direction; sequence: string; index: number }> = [
    ...fixture.inbound_eod_sequences.map((sequence, index) => ({ direction: 'inbound' as const, sequence, index })),
    ...fixture.outbound_eod_sequences.map((sequence, index) => ({ direction: 'outbound' as const, sequence, index })),
  ];
  for (const { direction, sequence, index } of cases) {
    test(`${direction} ${JSON.stringify(sequence)}`, { timeout: CASE_TIMEOUT_MS }, async () => {
      const marker = `${direction}-${index}`;
      const replies = await converse(gateway, direction, sequence, marker);
      const transcript = `${describeReplies(replies)}\n--- gateway output ---\n${gateway.output()}`;

      assert.ok(
        !replies.slice(1).some((r) => r.code === 250 || r.code === 354),
        `a smuggled command got a positive reply after 354:\n${transcript}`,
      );
      assert.deepEqual(replies.map((r) => r.code).slice(1), [221], `only CRLF.CRLF may end DATA:\n${transcript}`);
      const final = replies[0];
      assert.ok(final, transcript);

      if (final.code === 250) {
        assert.ok(await waitUntil(() => caseMessages(sink, marker).length > 0, 20_000), `accepted but never relayed:\n${transcript}`);
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const delivered = caseMessages(sink, marker);
        assert.equal(delivered.length, 1, 'the first message arrives exactly once');
        const [message] = delivered;
        assert.equal(message?.mailFrom, parties(direction).from);
        assert.deepEqual(message?.rcptTo, [parties(direction).to]);
        assert.deepEqual(findLooseDotLines(message?.raw ?? Buffer.alloc(0)), [], 'relayed content has no loose dot line');
      } else {
        assert.ok(final.code >= 400 && final.code < 600, transcript);
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        assert.equal(caseMessages(sink, marker).length, 0, 'a rejected message is not relayed');
      }
      assert.ok(!sink.messages.some((m) => m.mailFrom === ATTACKER), 'the smuggled sender never reached the sink');
    });
  }

  test('nothing the sink received or saw on its wire holds a smuggled message or a loose dot line', () => {
    assert.ok(sink.messages.length >= 1);
    assert.ok(!sink.messages.some((m) => m.mailFrom === ATTACKER));
    assert.ok(!sink.messages.some((m) => /^From: The CEO/m.test(m.raw.toString('latin1').split('\r\n\r\n')[0] ?? '')));
    for (const message of sink.messages) assert.deepEqual(findLooseDotLines(message.raw), []);
    const wire = sink.wireTranscripts();
    assert.ok(wire.length >= 1);
    for (const bytes of wire) {
      assert.deepEqual(findLooseDotLines(bytes), [], `loose dot line on the sink's wire:\n${JSON.stringify(bytes.toString('latin1'))}`);
    }
  });
});
