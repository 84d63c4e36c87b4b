/**
 * The clamd adapter: implements the VirusScanner port (scan/analyzer.ts) with clamd's INSTREAM
 * command over TCP or a unix socket. Runs inside the sandbox processes (Node's permission model
 * restricts neither TCP nor connecting to a unix socket, checked on Node 20.20), one connection
 * per file, as clamd's protocol allows one INSTREAM per session.
 *
 * Protocol (clamd(8)): `zINSTREAM\0`, then chunks each preceded by its length as a 4-byte
 * big-endian integer, then a zero length; clamd answers one NUL-terminated line:
 * `stream: OK`, `stream: <signature> FOUND`, or `<reason> ERROR` (for instance
 * `INSTREAM size limit exceeded. ERROR` when the stream passes clamd's StreamMaxLength).
 *
 * Trusts: the configured address. Does not trust clamd's answer beyond its grammar: an answer
 * that is not one of the three forms, an answer longer than MAX_REPLY_BYTES, a closed connection
 * without an answer, a timeout (connect, send and answer together) or an aborted signal all
 * reject, so the caller fails closed (DESIGN.md invariant 3). A file larger than `maxBytes` is
 * never sent: the caller checks `maxBytes` first (the analyzer reports CLAMAV_SKIPPED_SIZE); a
 * call with one rejects.
 */
import { connect, type Socket } from 'node:net';
import type { VirusScanner } from './analyzer.js';
import type { ClamdAddress } from '../config/schema.js';
import { PortcullisError } from '../core/errors.js';
import { requireLimit } from '../core/limits.js';

export interface ClamdClientOptions {
  readonly address: ClamdAddress;
  /** Connect, send and answer together, per request. */
  readonly timeoutMs: number;
  /** Largest file sent (keep at or under clamd's StreamMaxLength). */
  readonly maxBytes: number;
}

export type VirusScanResult = Awaited<ReturnType<VirusScanner['scan']>>;

/** Bytes per INSTREAM chunk; clamd reads chunks of any size up to StreamMaxLength. */
const CHUNK_BYTES = 64 * 1024;
/** clamd's answers are one short line; anything longer is not clamd. */
const MAX_REPLY_BYTES = 4096;

export class ClamdClient implements VirusScanner {
  readonly maxBytes: number;
  private readonly address: ClamdAddress;
  private readonly timeoutMs: number;

  constructor(options: ClamdClientOptions) {
    this.address = options.address;
    this.timeoutMs = requireLimit('scan.clamav.timeoutMs', options.timeoutMs);
    this.maxBytes = requireLimit('scan.clamav.maxBytes', options.maxBytes);
  }

  /** Where clamd is, for error messages and logs. */
  describeAddress(): string {
    return this.address.kind === 'tcp' ? `tcp://${this.address.host}:${this.address.port}` : this.address.path;
  }

  async scan(content: Uint8Array, signal: AbortSignal): Promise<VirusScanResult> {
    if (content.length > this.maxBytes) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `a ${content.length}-byte file is over scan.clamav.maxBytes (${this.maxBytes}); it was not sent`);
    }
    const reply = await this.request(instreamFrames(content), signal);
    if (reply === 'stream: OK') return { infected: false };
    const found = /^stream: (.+) FOUND$/.exec(reply);
    if (found?.[1]) return { infected: true, signature: found[1] };
    throw this.error(reply.endsWith(' ERROR') ? `clamd reported: ${reply}` : `unexpected answer from clamd: ${JSON.stringify(reply)}`);
  }

  /** Resolves when clamd answers PING with PONG (health checks, tests). */
  async ping(signal: AbortSignal): Promise<void> {
    const reply = await this.request([Buffer.from('zPING\0', 'latin1')], signal);
    if (reply !== 'PONG') throw this.error(`unexpected answer to PING: ${JSON.stringify(reply)}`);
  }

  private error(message: string, cause?: unknown): PortcullisError {
    return new PortcullisError('PORTCULLIS_ERR_VIRUS_SCANNER', `clamd at ${this.describeAddress()}: ${message}`, { cause });
  }

  /** Sends the frames on a fresh connection and resolves with clamd's answer, without its NUL. */
  private request(frames: readonly Uint8Array[], signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(this.error('the scan was aborted before it started', signal.reason));
        return;
      }
      const socket: Socket =
        this.address.kind === 'tcp' ? connect({ host: this.address.host, port: this.address.port }) : connect({ path: this.address.path });
      const received: Buffer[] = [];
      let receivedBytes = 0;
      let settled = false;
      const finish = (outcome: { reply: string } | { error: PortcullisError }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if ('reply' in outcome) resolve(outcome.reply);
        else reject(outcome.error);
      };
      const onAbort = (): void => finish({ error: this.error('the scan was aborted (the message\'s time budget is spent)', signal.reason) });
      const timer = setTimeout(() => finish({ error: this.error(`no answer within ${this.timeoutMs} ms`) }), this.timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });

      socket.on('connect', () => {
        for (const frame of frames) socket.write(frame);
      });
      socket.on('data', (data: Buffer) => {
        received.push(data);
        receivedBytes += data.length;
        const all = Buffer.concat(received, receivedBytes);
        const end = all.indexOf(0);
        if (end >= 0) finish({ reply: all.subarray(0, end).toString('latin1').trim() });
        else if (receivedBytes > MAX_REPLY_BYTES) finish({ error: this.error(`answer longer than ${MAX_REPLY_BYTES} bytes`) });
      });
      // clamd may answer (an ERROR) and close while the stream is still being sent: the answer
      // counts; a write error after it is expected.
      socket.on('error', (err: NodeJS.ErrnoException) => finish({ error: this.error(`connection failed (${err.code ?? err.message})`, err) }));
      socket.on('close', () => {
        const partial = Buffer.concat(received, receivedBytes).toString('latin1').trim();
        finish({ error: this.error(partial ? `connection closed after a partial answer ${JSON.stringify(partial.slice(0, 200))}` : 'connection closed without an answer') });
      });
    });
  }
}

/** The INSTREAM request for one file: command, length-prefixed chunks, zero-length terminator. */
export function instreamFrames(content: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [Buffer.from('zINSTREAM\0', 'latin1')];
  for (let offset = 0; offset < content.length; offset += CHUNK_BYTES) {
    const chunk = content.subarray(offset, Math.min(content.length, offset + CHUNK_BYTES));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length, 0);
    frames.push(length, chunk);
  }
  frames.push(Buffer.alloc(4));
  return frames;
}
