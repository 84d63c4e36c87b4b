/**
 * THE one function that builds the outgoing form of a message: the headers chosen at receipt
 * (Received, Authentication-Results, the verdict headers) prepended to the spooled body bytes,
 * which are the bytes that were scanned. Nothing else edits a message (DESIGN.md flow section).
 * For outbound mail, deliver/dkim-signing.ts computes a DKIM signature over this final form and
 * calls here again with it as `signature`, which goes on top.
 *
 * Trust: the body is attacker bytes and is passed through untouched, streamed from the spool file
 * (never buffered whole). prependHeaders was built by the gateway; it must be empty or end in CRLF
 * so that it cannot join the message's first header line.
 */
import { Readable } from 'node:stream';
import { PortcullisError } from '../core/errors.js';
import type { SpoolRecord, SpoolStore } from '../spool/spool-store.js';

export interface OutgoingMessage {
  /** Exact size in bytes of the stream (for SIZE=). */
  readonly size: number;
  /** A fresh stream of the outgoing form; each call opens the body again. */
  open(): Readable;
}

export function outgoingMessage(spool: Pick<SpoolStore, 'openBody'>, record: SpoolRecord, signature = ''): OutgoingMessage {
  const { prependHeaders, envelope } = record;
  if (prependHeaders !== '' && !prependHeaders.endsWith('\r\n')) {
    throw new PortcullisError('PORTCULLIS_ERR_SPOOL_CORRUPT', `prepended headers of ${envelope.queueId} do not end in CRLF`);
  }
  if (signature !== '' && !signature.endsWith('\r\n')) {
    throw new PortcullisError('PORTCULLIS_ERR_DELIVERY', `the DKIM signature of ${envelope.queueId} does not end in CRLF`);
  }
  const head = Buffer.from(signature + prependHeaders, 'utf8');
  return {
    size: head.length + envelope.size,
    open() {
      async function* parts(): AsyncGenerator<Buffer> {
        if (head.length > 0) yield head;
        yield* spool.openBody(envelope.queueId) as AsyncIterable<Buffer>;
      }
      return Readable.from(parts(), { objectMode: false });
    },
  };
}
