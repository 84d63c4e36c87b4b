/**
 * Test helper: an AnalyzerContext for a raw message given as a string, parsed by the real
 * mime/ parser, with a fixed inbound envelope. Analyzer unit tests run in-process with it.
 */
import type { AnalyzerContext } from '../../src/scan/analyzer.js';
import type { Envelope } from '../../src/core/envelope.js';
import { initialFacts } from '../../src/scan/pipeline.js';
import { parseMessage } from '../../src/mime/parse-message.js';

export const testEnvelope: Envelope = {
  queueId: '01JNQ0000000000000000000AA',
  clientAddress: '192.0.2.1',
  clientPort: 40000,
  helo: 'client.example',
  mailFrom: 'alice@example.org',
  rcptTo: ['bob@example.net'],
  direction: 'inbound',
  receivedAt: 0,
  size: 0,
};

/** Joins lines with CRLF, as on the wire. */
export function crlf(...lines: string[]): string {
  return lines.join('\r\n');
}

export function contextFor(raw: string | Buffer, envelope: Envelope = testEnvelope): AnalyzerContext {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const message = parseMessage(bytes).message;
  return { message, raw: bytes, envelope, signal: new AbortController().signal, facts: initialFacts(message), ports: {} };
}
