/**
 * The Received header Portcullis prepends (RFC 5321 section 4.4), with the TLS details a later
 * hunt needs. Values from the client (HELO, reverse DNS) are reduced to safe characters so they
 * cannot inject header lines or comments.
 */
import type { Envelope } from '../core/envelope.js';

export function receivedHeader(envelope: Envelope, byHost: string, protocol: string): string {
  const helo = sanitize(envelope.helo) || 'unknown';
  const rdns = envelope.clientHostname ? sanitize(envelope.clientHostname) : 'unknown';
  const address = envelope.clientAddress.replace(/^::ffff:/i, '');
  const ipLiteral = address.includes(':') ? `IPv6:${address}` : address;
  const tls = envelope.tls ? `\r\n\t(using ${sanitize(envelope.tls.protocol)} with cipher ${sanitize(envelope.tls.cipher)})` : '';
  const auth = envelope.authUser ? `\r\n\t(authenticated sender: ${sanitize(envelope.authUser)})` : '';
  const forClause = envelope.rcptTo.length === 1 ? `\r\n\tfor <${sanitize(envelope.rcptTo[0] ?? '')}>` : '';
  const date = new Date(envelope.receivedAt).toUTCString().replace('GMT', '+0000');
  return (
    `Received: from ${helo} (${rdns} [${ipLiteral}])${tls}${auth}\r\n` +
    `\tby ${sanitize(byHost)} (Portcullis) with ${protocol} id ${envelope.queueId}${forClause};\r\n` +
    `\t${date}\r\n`
  );
}

function sanitize(value: string): string {
  return value.replace(/[^A-Za-z0-9.@_+=:/-]/g, '').slice(0, 255);
}
