// First contact from a look-alike, end to end (issue 4 item 6): mail from partner-corp.example
// delivered through the real gateway makes it a known correspondent (seen-senders store, snapshot
// to the sandboxes); then mail from partnr-corp.example, with valid SPF of its own, gets
// FIRST_CONTACT_LOOKALIKE in its verdict headers and its tracking record. A dns2 server on
// 127.0.0.1 answers SPF for both domains, as a real look-alike registration would.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { RECHECK_MS } from '../../src/core/snapshot-file.js';
import { createLogger } from '../../src/observe/logger.js';
import { TrackingLog } from '../../src/observe/tracking.js';
import { knownCorrespondentsPath, parseKnownCorrespondents } from '../../src/scan/url/known-correspondents.js';
import { openDatabase } from '../../src/store/database.js';
import { startDnsGateway, type DnsGateway } from '../helpers/dns-gateway.js';

const ZONE: Record<string, string[]> = {
  'partner-corp.example': ['v=spf1 ip4:127.0.0.1 -all'],
  'partnr-corp.example': ['v=spf1 ip4:127.0.0.1 -all'],
};

let env: DnsGateway;

before(async () => {
  // One day is enough here (the test cannot wait three); three messages are still needed.
  env = await startDnsGateway(ZONE, 'first-contact', { phishing: { seenSenders: { knownAfterDays: 1, knownAfterMessages: 3 } } });
});

after(async () => {
  await env?.stop();
});

async function send(from: string, messageId: string): Promise<string> {
  await env.transport().sendMail({
    envelope: { from, to: ['bob@example.org'] },
    from: `Accounts payable <${from}>`,
    to: 'bob@example.org',
    subject: 'invoice 2026-031',
    text: 'Please find the invoice details below.',
    messageId,
  });
  return env.delivered(messageId);
}

/** The known correspondents the gateway has written for its sandboxes (empty before the first write). */
function knownNow(): ReadonlySet<string> {
  const path = knownCorrespondentsPath(env.dataDir);
  return existsSync(path) ? parseKnownCorrespondents(readFileSync(path, 'utf8')).domains : new Set();
}

const findingsHeader = (raw: string): string => /^X-Portcullis-Findings:.*(\r\n\t.*)*/m.exec(raw)?.[0] ?? '';

test('a never-seen look-alike of a correspondent known from delivered mail gets FIRST_CONTACT_LOOKALIKE', { timeout: 60_000 }, async () => {
  // Before any history, the look-alike is just a new sender.
  const before = await send('ap@partnr-corp.example', '<lookalike-0@partnr-corp.example>');
  assert.doesNotMatch(findingsHeader(before), /FIRST_CONTACT_LOOKALIKE/);
  assert.match(findingsHeader(before), /SPF_PASS/, 'the look-alike authenticates like a real domain');

  for (let i = 1; i <= 3; i++) await send('ap@partner-corp.example', `<real-${i}@partner-corp.example>`);
  const deadline = Date.now() + 10_000;
  while (!knownNow().has('partner-corp.example')) {
    if (Date.now() > deadline) assert.fail(`partner-corp.example never became known: ${[...knownNow()].join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(!knownNow().has('partnr-corp.example'), 'one message is not enough to be known');
  // The sandbox looks at the snapshot at most once per RECHECK_MS.
  await new Promise((r) => setTimeout(r, RECHECK_MS + 200));

  const raw = await send('ap@partnr-corp.example', '<lookalike-1@partnr-corp.example>');
  assert.match(findingsHeader(raw), /FIRST_CONTACT_LOOKALIKE=5/, findingsHeader(raw));
  const real = await send('ap@partner-corp.example', '<real-4@partner-corp.example>');
  assert.doesNotMatch(findingsHeader(real), /LOOKALIKE/);

  // The tracking record says it too, with the detail (which the headers leave out).
  const db = await openDatabase({ dataDir: env.dataDir });
  try {
    const tracking = new TrackingLog(db, { logger: createLogger({ level: 'silent' }) });
    let found;
    for (const stop = Date.now() + 5000; Date.now() < stop; await new Promise((r) => setTimeout(r, 100))) {
      found = (await tracking.search({ sender: 'ap@partnr-corp.example' })).find((m) => m.message?.messageId === '<lookalike-1@partnr-corp.example>');
      if (found) break;
    }
    const detail = found?.message?.findings.find((f) => f.id === 'FIRST_CONTACT_LOOKALIKE')?.detail ?? '';
    assert.match(detail, /partnr-corp\.example imitates partner-corp\.example \(edit\), a known correspondent/);
    // The look-alike mail itself taught nothing: still the one message from before the history.
    const row = await db.selectFrom('seen_sender').selectAll().where('domain', '=', 'partnr-corp.example').executeTakeFirst();
    assert.equal(row?.messages, 1);
  } finally {
    await db.destroy();
  }
});
