/**
 * Reads the connecting client from a Received header (RFC 5321 4.4): `from HELO (rdns [ip])`.
 * Used only when no envelope is known (offline `portcullis scan`), where the topmost Received
 * header is the one our side of the hop would have written. Returns undefined when the header
 * does not name a valid IP address; the address is checked with node:net, never trusted as text.
 */
import { isIP } from 'node:net';

export interface ReceivedClient {
  readonly address: string;
  readonly helo: string;
  readonly hostname?: string;
}

export function parseReceivedClient(value: string): ReceivedClient | undefined {
  const from = /^\s*from\s+(\S+)\s*(?:\(([^)]*)\))?/i.exec(value);
  if (!from) return undefined;
  const helo = from[1] as string;
  const comment = from[2] ?? '';
  const bracketed = /\[(?:IPv6:)?([0-9a-fA-F:.]+)\]/i.exec(comment) ?? /\[(?:IPv6:)?([0-9a-fA-F:.]+)\]/i.exec(helo);
  const bare = /(?:^|[\s(])([0-9]{1,3}(?:\.[0-9]{1,3}){3})(?=[\s)\]]|$)/.exec(comment);
  const address = bracketed?.[1] ?? bare?.[1];
  if (address === undefined || isIP(address) === 0) return undefined;
  const host = /^([A-Za-z0-9.-]+\.[A-Za-z]{2,})\s/.exec(comment)?.[1];
  return { address, helo: helo.replace(/^\[|\]$/g, ''), ...(host ? { hostname: host } : {}) };
}
