/**
 * OLE1 objects as RTF `\objdata` and Ole10Native streams carry them: the EmbeddedObject header
 * ([MS-OLEDS] 2.2.4: version, format, class name, topic, item, native data) and the native data of
 * the `Package` class (the "packager" that wraps any file, the classic way to hide an .exe or
 * .js in a document: a label, the original path, a temporary path, then the file's bytes).
 *
 * Trusts nothing: every length is checked against the bytes present; a short or inconsistent
 * object yields undefined (or what could be read), never an exception or a read past the end.
 */
import type { ExtractedFile } from '../content-inspection.js';

export interface Ole1Object {
  /** The ProgID, e.g. `Package`, `Word.Document.8`, `Equation.3`. */
  readonly className: string;
  /** 1 linked, 2 embedded. */
  readonly formatId: number;
  readonly nativeData: Uint8Array;
}

const FORMAT_LINKED = 1;
const FORMAT_EMBEDDED = 2;
/** Longest class/topic/item string accepted; real ones are a few dozen bytes. */
const MAX_OLE1_STRING = 4096;

/** Reads an OLE1 object header and its native data (embedded objects only carry native data). */
export function readOle1Object(data: Uint8Array): Ole1Object | undefined {
  const reader = new ByteReader(data);
  reader.u32(); // OLEVersion, not checked: writers disagree on it.
  const formatId = reader.u32();
  if (formatId !== FORMAT_LINKED && formatId !== FORMAT_EMBEDDED) return undefined;
  const className = reader.lengthPrefixedString();
  if (className === undefined) return undefined;
  if (formatId === FORMAT_LINKED) return { className, formatId, nativeData: new Uint8Array(0) };
  if (reader.lengthPrefixedString() === undefined || reader.lengthPrefixedString() === undefined) return { className, formatId, nativeData: new Uint8Array(0) };
  const size = reader.u32();
  return { className, formatId, nativeData: reader.take(size) ?? reader.rest() };
}

/** Reads Package native data: the embedded file and its label (the name the user sees). */
export function readOle1Package(data: Uint8Array): ExtractedFile | undefined {
  const reader = new ByteReader(data);
  reader.u16(); // signature 0x0002
  const label = reader.zeroTerminated();
  const originalPath = reader.zeroTerminated();
  if (label === undefined || originalPath === undefined) return undefined;
  reader.u16(); // 0x0003: embedded file
  const tempPathLength = reader.u32();
  if (reader.take(tempPathLength) === undefined) return undefined;
  const size = reader.u32();
  const content = reader.take(size);
  if (content === undefined) return undefined;
  return { name: label || baseName(originalPath) || 'package', content };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? '';
}

class ByteReader {
  private pos = 0;
  constructor(private readonly data: Uint8Array) {}

  u16(): number {
    const v = (this.data[this.pos] ?? 0) | ((this.data[this.pos + 1] ?? 0) << 8);
    this.pos += 2;
    return v;
  }

  u32(): number {
    const v = (this.u16() | (this.u16() << 16)) >>> 0;
    return v;
  }

  take(length: number): Uint8Array | undefined {
    if (this.pos + length > this.data.length) return undefined;
    const out = this.data.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  rest(): Uint8Array {
    return this.data.subarray(Math.min(this.pos, this.data.length));
  }

  /** LengthPrefixedAnsiString: u32 length including the terminating NUL. */
  lengthPrefixedString(): string | undefined {
    const length = this.u32();
    if (length > MAX_OLE1_STRING) return undefined;
    const bytes = this.take(length);
    return bytes === undefined ? undefined : Buffer.from(bytes).toString('latin1').replace(/\0+$/, '');
  }

  zeroTerminated(): string | undefined {
    const end = this.data.indexOf(0, this.pos);
    if (end === -1 || end - this.pos > MAX_OLE1_STRING) return undefined;
    const s = Buffer.from(this.data.subarray(this.pos, end)).toString('latin1');
    this.pos = end + 1;
    return s;
  }
}
