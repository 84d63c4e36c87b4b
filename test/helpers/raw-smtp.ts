/**
 * A raw-socket SMTP client for byte-exact conversations: tests send exactly the bytes they mean
 * (bare LF, bare CR, NUL, pipelined commands inside DATA) and read the server's replies one by
 * one. No SMTP client library would send malformed sequences, which is the point here.
 *
 * Trust: none; it only parses reply lines (`250-...` continuations, `250 ...` last line).
 * Contract: `connectRawSmtp()` resolves with the greeting already read; every read has a
 * timeout and rejects with the replies seen so far in its message; `replies` lists every reply
 * received in order; `close()` destroys the socket.
 */
import { connect, type Socket } from 'node:net';

export interface SmtpReply {
  readonly code: number;
  /** Text of every line, without the code and separator. */
  readonly lines: readonly string[];
}

export interface RawSmtpClient {
  readonly greeting: SmtpReply;
  /** Every reply received so far (greeting included), in order. */
  readonly replies: readonly SmtpReply[];
  /** Writes bytes as given (no line ending is added). */
  send(data: string | Buffer): Promise<void>;
  /** Reads the next reply. */
  readReply(timeoutMs?: number): Promise<SmtpReply>;
  /** Sends `line` + CRLF and reads its reply. */
  command(line: string, timeoutMs?: number): Promise<SmtpReply>;
  /**
   * Reads replies until the server closes the connection or none arrives for `quietMs`;
   * returns the replies read by this call.
   */
  readUntilQuiet(quietMs: number, totalTimeoutMs?: number): Promise<SmtpReply[]>;
  readonly closed: boolean;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function formatReply(reply: SmtpReply): string {
  return reply.lines.map((line, i) => `${reply.code}${i === reply.lines.length - 1 ? ' ' : '-'}${line}`).join('\n');
}

export async function connectRawSmtp(host: string, port: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RawSmtpClient> {
  const socket: Socket = connect({ host, port });
  const replies: SmtpReply[] = [];
  const queue: SmtpReply[] = [];
  const readers: Array<(reply: SmtpReply | undefined) => void> = [];
  let pending = '';
  let pendingLines: string[] = [];
  let closed = false;

  const deliver = (reply: SmtpReply | undefined): void => {
    const reader = readers.shift();
    if (reader) reader(reply);
    else if (reply) queue.push(reply);
  };

  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let eol = pending.indexOf('\n'); eol !== -1; eol = pending.indexOf('\n')) {
      const line = pending.slice(0, eol).replace(/\r$/, '');
      pending = pending.slice(eol + 1);
      const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!m) continue;
      pendingLines.push(m[3] ?? '');
      if (m[2] === '-') continue;
      const reply: SmtpReply = { code: Number(m[1]), lines: pendingLines };
      pendingLines = [];
      replies.push(reply);
      deliver(reply);
    }
  });
  const onGone = (): void => {
    closed = true;
    while (readers.length > 0) deliver(undefined);
  };
  socket.on('close', onGone);
  socket.on('error', onGone);

  const readReply = (timeout = DEFAULT_TIMEOUT_MS): Promise<SmtpReply> => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    if (closed) return Promise.reject(new Error(`connection closed; replies so far:\n${replies.map(formatReply).join('\n')}`));
    return new Promise<SmtpReply>((resolve, reject) => {
      const reader = (reply: SmtpReply | undefined): void => {
        clearTimeout(timer);
        if (reply) resolve(reply);
        else reject(new Error(`connection closed; replies so far:\n${replies.map(formatReply).join('\n')}`));
      };
      const timer = setTimeout(() => {
        const i = readers.indexOf(reader);
        if (i !== -1) readers.splice(i, 1);
        reject(new Error(`no SMTP reply within ${timeout} ms; replies so far:\n${replies.map(formatReply).join('\n')}`));
      }, timeout);
      readers.push(reader);
    });
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cannot connect to ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const greeting = await readReply(timeoutMs);

  const client: RawSmtpClient = {
    greeting,
    replies,
    get closed() {
      return closed;
    },
    send: (data) =>
      new Promise<void>((resolve, reject) => {
        if (closed) {
          reject(new Error('connection closed'));
          return;
        }
        socket.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    readReply,
    async command(line, timeout) {
      await client.send(`${line}\r\n`);
      return readReply(timeout);
    },
    async readUntilQuiet(quietMs, totalTimeoutMs = DEFAULT_TIMEOUT_MS) {
      const out: SmtpReply[] = [];
      const deadline = Date.now() + totalTimeoutMs;
      while (Date.now() < deadline) {
        if (closed && queue.length === 0) break;
        try {
          out.push(await readReply(Math.min(quietMs, Math.max(1, deadline - Date.now()))));
        } catch {
          break;
        }
      }
      return out;
    },
    close: () => {
      socket.destroy();
    },
  };
  return client;
}
