/**
 * TNEF (winmail.dat, application/ms-tnef; MS-OXTNEF): the container Outlook wraps attachments in.
 * A scanner that does not open it sees one opaque file while the recipient's Outlook shows the
 * files inside, so every attached file is extracted with its name: from attAttachTitle /
 * attAttachData, and from the MAPI properties in attAttachment (PR_ATTACH_LONG_FILENAME,
 * PR_ATTACH_FILENAME, PR_DISPLAY_NAME, PR_ATTACH_DATA_BIN / PR_ATTACH_DATA_OBJ, PR_ATTACH_MIME_TAG).
 * An attached message (an object whose data is TNEF again) is opened once more, up to
 * MAX_TNEF_DEPTH.
 *
 * Trusts nothing: every length is checked against the bytes left; a malformed attribute ends the
 * reading and what was found so far is returned (`complete: false`). Members share one output
 * budget (`maxOutput`, counted as they are found) and their number is bounded by `maxFiles`.
 * Member contents are views of the input, never copies. Never throws.
 */
import type { EmbeddedFile } from './uuencode.js';
import { decodeHeaderBytes } from './charset.js';

export interface TnefMember extends EmbeddedFile {
  /** PR_ATTACH_MIME_TAG when present. */
  readonly mimeType?: string;
}

export interface TnefResult {
  readonly files: readonly TnefMember[];
  /** False when the stream ended early, was malformed, or a limit stopped the reading. */
  readonly complete: boolean;
}

/** Nesting of TNEF inside attached messages inside TNEF. */
export const MAX_TNEF_DEPTH = 3;
/** Most attributes or MAPI properties read from one stream; real ones have a few dozen. */
export const MAX_TNEF_RECORDS = 20_000;

export const TNEF_SIGNATURE = 0x223e9f78;

const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_RENDDATA = 0x9002;
const ATT_ATTACHMENT = 0x9005;
const LEVEL_ATTACHMENT = 0x02;
const MIN_ATTRIBUTE_BYTES = 1 + 4 + 4 + 2;

const PR_DISPLAY_NAME = 0x3001;
const PR_ATTACH_DATA = 0x3701;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;

const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const MV_FLAG = 0x1000;
const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [0x0000, 0], [0x0001, 0], [0x0002, 4], [0x0003, 4], [0x0004, 4], [0x0005, 8], [0x0006, 8], [0x0007, 8],
  [0x000a, 4], [0x000b, 4], [0x0014, 8], [0x0040, 8], [0x0048, 16],
]);

export function isTnef(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0) === TNEF_SIGNATURE;
}

interface Pending {
  title?: string;
  longName?: string;
  fileName?: string;
  displayName?: string;
  mimeType?: string;
  data?: Buffer;
}

class Malformed extends Error {}

/** A bounds-checked little-endian reader over a slice of the input. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}
  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new Malformed();
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  take(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  get left(): number {
    return this.end - this.pos;
  }
}

function cString(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return decodeHeaderBytes(nul === -1 ? bytes : bytes.subarray(0, nul)).trim();
}

function unicodeString(bytes: Buffer): string {
  let end = bytes.length - (bytes.length % 2);
  for (let i = 0; i + 1 < end; i += 2) {
    if (bytes[i] === 0 && bytes[i + 1] === 0) {
      end = i;
      break;
    }
  }
  return bytes.subarray(0, end).toString('utf16le').trim();
}

interface Budget {
  remaining: number;
  records: number;
  readonly maxFiles: number;
}

export function readTnef(bytes: Uint8Array, maxOutput: number, maxFiles: number): TnefResult {
  const budget: Budget = { remaining: maxOutput, records: 0, maxFiles };
  const files: TnefMember[] = [];
  const complete = readStream(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, files, budget);
  return { files, complete };
}

function readStream(buf: Buffer, depth: number, files: TnefMember[], budget: Budget): boolean {
  if (!isTnef(buf)) return false;
  const cur = new Cursor(buf, 6, buf.length);
  let pending: Pending | undefined;
  let complete = true;
  const finish = (): void => {
    if (pending) complete = addMember(pending, depth, files, budget) && complete;
    pending = undefined;
  };
  try {
    // Fewer bytes than the smallest attribute (level, id, length, checksum) are padding, as Outlook reads them.
    while (cur.left >= MIN_ATTRIBUTE_BYTES) {
      if (++budget.records > MAX_TNEF_RECORDS || files.length >= budget.maxFiles) return false;
      const level = cur.take(1)[0] as number;
      const id = cur.u32() & 0xffff;
      const length = cur.u32();
      const data = cur.take(length);
      cur.skip(2);
      if (level !== LEVEL_ATTACHMENT) continue;
      if (id === ATT_ATTACH_RENDDATA) {
        finish();
        pending = {};
      } else if (id === ATT_ATTACH_TITLE) {
        (pending ??= {}).title = cString(data);
      } else if (id === ATT_ATTACH_DATA) {
        (pending ??= {}).data = data;
      } else if (id === ATT_ATTACHMENT) {
        readAttachmentProps(data, (pending ??= {}), budget);
      }
    }
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    complete = false;
  }
  finish();
  return complete && files.length < budget.maxFiles;
}

function addMember(p: Pending, depth: number, files: TnefMember[], budget: Budget): boolean {
  if (!p.data) return true;
  if (files.length >= budget.maxFiles || budget.remaining <= 0) return false;
  const name = p.longName || p.fileName || p.title || p.displayName;
  const truncated = p.data.length > budget.remaining;
  const bytes = truncated ? p.data.subarray(0, budget.remaining) : p.data;
  budget.remaining -= bytes.length;
  files.push({ ...(name ? { name } : {}), ...(p.mimeType ? { mimeType: p.mimeType } : {}), bytes, truncated });
  // An attached message is TNEF again (PR_ATTACH_DATA_OBJ): open it as the recipient's Outlook would.
  if (!truncated && isTnef(p.data) && depth + 1 < MAX_TNEF_DEPTH) return readStream(p.data, depth + 1, files, budget);
  return !truncated;
}

/** Reads one MAPI property value set; returns the values of variable types, skips fixed ones. */
function readValues(cur: Cursor, type: number): Buffer[] {
  const base = type & ~MV_FLAG;
  const multi = (type & MV_FLAG) !== 0;
  const fixed = FIXED_SIZE.get(base);
  if (fixed !== undefined) {
    const count = multi ? cur.u32() : 1;
    cur.skip(count * fixed);
    return [];
  }
  if (base !== PT_STRING8 && base !== PT_UNICODE && base !== PT_BINARY && base !== PT_OBJECT) throw new Malformed();
  const count = cur.u32();
  if (count > cur.left / 4) throw new Malformed();
  const values: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const length = cur.u32();
    values.push(cur.take(length));
    cur.skip((4 - (length % 4)) % 4);
  }
  return values;
}

function readAttachmentProps(data: Buffer, p: Pending, budget: Budget): void {
  const cur = new Cursor(data, 0, data.length);
  try {
    const count = cur.u32();
    for (let k = 0; k < count; k++) {
      if (++budget.records > MAX_TNEF_RECORDS) return;
      const type = cur.u16();
      const id = cur.u16();
      if (id >= 0x8000) {
        cur.skip(16);
        const kind = cur.u32();
        if (kind === 0) cur.skip(4);
        else {
          const nameLength = cur.u32();
          cur.skip(nameLength + ((4 - (nameLength % 4)) % 4));
        }
      }
      const values = readValues(cur, type);
      const first = values[0];
      if (first === undefined) continue;
      const text = (): string => ((type & ~MV_FLAG) === PT_UNICODE ? unicodeString(first) : cString(first));
      if (id === PR_ATTACH_LONG_FILENAME) p.longName = text();
      else if (id === PR_ATTACH_FILENAME) p.fileName = text();
      else if (id === PR_DISPLAY_NAME) p.displayName = text();
      else if (id === PR_ATTACH_MIME_TAG) p.mimeType = text().toLowerCase();
      // An object value starts with the 16-byte interface id of what it holds.
      else if (id === PR_ATTACH_DATA) p.data = (type & ~MV_FLAG) === PT_OBJECT ? first.subarray(Math.min(16, first.length)) : first;
    }
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    // A malformed property list keeps what it gave before the error.
  }
}
