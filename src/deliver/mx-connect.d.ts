/**
 * Types for mx-connect 1.6 (it ships none): only the parts deliver/smtp-transport.ts uses.
 */
declare module 'mx-connect' {
  import type { Socket } from 'node:net';

  export type ResolveCallback = (err: NodeJS.ErrnoException | null, records?: unknown) => void;
  /** Callback-style resolver, like dns.resolve. */
  export type ResolveFunction = (domain: string, type: string, callback: ResolveCallback) => void;

  export interface MxConnectOptions {
    target: string;
    port?: number;
    maxConnectTime?: number;
    localHostname?: string;
    dnsOptions?: {
      ignoreIPv6?: boolean;
      preferIPv6?: boolean;
      blockLocalAddresses?: boolean;
      resolve?: ResolveFunction;
    };
  }

  export interface MxConnection {
    socket: Socket;
    hostname: string;
    host: string;
    port: number;
  }

  export interface MxConnectError extends Error {
    code?: string;
    response?: string;
    category?: string;
    temporary?: boolean;
  }

  function mxConnect(options: MxConnectOptions): Promise<MxConnection>;
  export default mxConnect;
}
