/**
 * The error catalogue: every error Portcullis raises on purpose has a stable code here, so logs,
 * the CLI and the API can be searched and documented by code. Errors carry context (the key,
 * the path, the queue id) in their message; never message bodies or secrets.
 */

export const ERROR_CODES = {
  PORTCULLIS_ERR_CONFIG: 'the configuration is invalid',
  PORTCULLIS_ERR_CONFIG_NOT_FOUND: 'the configuration file does not exist',
  PORTCULLIS_ERR_SPOOL_WRITE: 'a message could not be written durably to the spool',
  PORTCULLIS_ERR_SPOOL_CORRUPT: 'a spool file is incomplete or unreadable',
  PORTCULLIS_ERR_NOT_FOUND: 'the named object does not exist',
  PORTCULLIS_ERR_INVALID_ARGUMENT: 'an argument is malformed',
  PORTCULLIS_ERR_FORBIDDEN: 'the actor may not do this',
  PORTCULLIS_ERR_ANALYZERS: 'the analyzer list is inconsistent (a cycle, a missing dependency, an unknown or repeated name)',
  PORTCULLIS_ERR_SANDBOX: 'a sandbox process failed or exceeded a limit',
  PORTCULLIS_ERR_SCAN_TIMEOUT: 'scanning did not finish in time',
  PORTCULLIS_ERR_OVERLOADED: 'the gateway is saturated',
  PORTCULLIS_ERR_AUDIT_CHAIN: 'the audit log hash chain is broken',
  PORTCULLIS_ERR_DELIVERY: 'delivery to the next hop failed',
  PORTCULLIS_ERR_DELIVERY_THREAD: 'the delivery thread failed or stopped',
  PORTCULLIS_ERR_STORE: 'the database is unusable',
  PORTCULLIS_ERR_VIRUS_SCANNER: 'the virus scanner (clamd) could not be reached or gave no usable answer',
  PORTCULLIS_ERR_UNSAFE_LISTEN: 'refusing to listen on a public address without accepted domains',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class PortcullisError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PortcullisError';
    this.code = code;
  }
}

export function isPortcullisError(err: unknown, code?: ErrorCode): err is PortcullisError {
  return err instanceof PortcullisError && (code === undefined || err.code === code);
}
