/**
 * Test helper: a gateway in this process, pointed at a TXT-only DNS server (txt-dns-server.ts) on
 * 127.0.0.1 and relaying example.org to a recording sink: the set-up the SMTP-level sender
 * authentication tests share. `delivered()` waits for a message, by Message-ID, at the sink.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import { parseConfig } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observe/logger.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { startTxtDnsServer, type TxtDnsServer } from './txt-dns-server.js';

export interface DnsGateway {
  readonly gateway: Gateway;
  readonly sink: SmtpSink;
  readonly dns: TxtDnsServer;
  readonly dataDir: string;
  /** An SMTP client for the gateway's listener (no TLS). */
  transport(): Transporter;
  /** The raw message with this Message-ID once the sink has it (fails the test after timeoutMs). */
  delivered(messageId: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** `zone`: TXT records by lower-case name; `config`: more configuration keys (top level, merged over the defaults here). */
export async function startDnsGateway(zone: Readonly<Record<string, readonly string[]>>, name: string, config: Record<string, unknown> = {}): Promise<DnsGateway> {
  const dns = await startTxtDnsServer(zone);
  const sink = await startSmtpSink();
  const dataDir = mkdtempSync(join(tmpdir(), `portcullis-${name}-`));
  const gateway = await startGateway(
    parseConfig(
      {
        dataDir,
        smtp: { listen: '127.0.0.1:0', hostname: 'mx.gateway.test' },
        http: { listen: '127.0.0.1:0' },
        scan: { sandboxes: 1 },
        domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}` }],
        dns: { servers: [`127.0.0.1:${dns.port}`], timeoutMs: 1000 },
        ...config,
      },
      'test',
    ),
    { logger: createLogger({ level: 'silent' }) },
  );
  return {
    gateway,
    sink,
    dns,
    dataDir,
    transport: () => createTransport({ host: gateway.smtp.host, port: gateway.smtp.port, secure: false, ignoreTLS: true }),
    async delivered(messageId, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = sink.messages.find((m) => m.raw.includes(messageId));
        if (found) return found.raw.toString('latin1');
        if (Date.now() > deadline) assert.fail(`${messageId} never reached the downstream`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await gateway.stop();
      await sink.close();
      await dns.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
