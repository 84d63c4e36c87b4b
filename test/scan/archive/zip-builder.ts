/**
 * Test helper: a minimal zip writer for building archives at run time, including the broken
 * and hostile ones real tools refuse to write (mismatched local names, overlapping entries,
 * hidden local entries, lying sizes, the encryption flag without encryption).
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  /** The central directory name (raw bytes allowed). */
  readonly name: string | Uint8Array;
  readonly content?: string | Uint8Array;
  /** 0 stored, 8 deflate (default), or any method number with `data` given. */
  readonly method?: number;
  /** Compressed bytes to store instead of compressing `content`. */
  readonly data?: Uint8Array;
  /** A different name in the local header. */
  readonly localName?: string | Uint8Array;
  /** General purpose flags (0x1 encrypted, 0x800 UTF-8). */
  readonly flags?: number;
  /** The uncompressed size to declare instead of the true one. */
  readonly declaredSize?: number;
  /** The central entry points at the local header of this earlier entry instead of its own. */
  readonly pointTo?: number;
  /** No central directory record: only a local header. */
  readonly hidden?: boolean;
}

function bytes(value: string | Uint8Array): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}

export function buildZip(entries: readonly ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const spec of entries) {
    const content = bytes(spec.content ?? '');
    const method = spec.method ?? 8;
    const data = spec.data ? Buffer.from(spec.data) : method === 8 ? deflateRawSync(content) : content;
    const name = bytes(spec.name);
    const localName = bytes(spec.localName ?? spec.name);
    const crc = crc32(content);
    const size = spec.declaredSize ?? content.length;
    const flags = spec.flags ?? 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(localName.length, 26);
    offsets.push(offset);
    const record = Buffer.concat([local, localName, data]);
    locals.push(record);
    const localOffset = spec.pointTo === undefined ? offset : (offsets[spec.pointTo] as number);
    offset += record.length;
    if (spec.hidden) continue;
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(localOffset, 42);
    centrals.push(Buffer.concat([central, name]));
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length, 8);
  end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

