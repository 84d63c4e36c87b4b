/**
 * The process logger: pino, one JSON object per line, on stdout by default (the CLI passes
 * stderr so its stdout stays clean for --json).
 *
 * Trusts: nothing it is given. Callers log context (queue id, client address, reply codes), but a
 * careless `log.info({ auth })` must still not leak a secret, so known secret-bearing keys are
 * censored at the top level and one level down. Message bodies are never logged: keys that carry
 * content (`body`, `raw`, `content`) are censored too, as a net under the rule, not instead of it.
 * Redaction is by key name; a secret logged under an innocent key is not caught.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

export type { Logger } from 'pino';

/** Key names whose values are never written to a log. */
const REDACTED_KEYS = ['pass', 'password', 'authorization', 'token', 'key', 'secret', 'cookie', 'body', 'raw', 'content'] as const;

export const REDACT_PATHS: readonly string[] = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]);

export interface CreateLoggerOptions {
  /** A pino level name: fatal, error, warn, info, debug, trace (or silent). */
  readonly level: string;
  /** A stream, or a file descriptor (1 stdout, 2 stderr); stdout when absent. */
  readonly destination?: DestinationStream | number;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const destination =
    options.destination === undefined || typeof options.destination === 'number'
      ? pino.destination({ dest: options.destination ?? 1, sync: true })
      : options.destination;
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
