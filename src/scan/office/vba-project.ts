/**
 * Reads a VBA project out of its storage: the compressed `dir` stream ([MS-OVBA] 2.3.4.2) names
 * the modules, their streams and where their compressed source starts (MODULEOFFSET); each
 * module stream holds the performance cache followed by the compressed source ([MS-OVBA] 2.3.4.3).
 *
 * Trusts nothing: record sizes, offsets and names come from the attacker. Each record is checked
 * against the stream's end; source is decompressed under a per-module and a per-project budget,
 * and a budget hit is reported, never silently truncated. Never throws on content.
 */
import { decompressOvba, type OvbaStatus } from './ovba-decompress.js';

/** Largest decompressed `dir` stream read (real ones are a few KB). */
export const MAX_VBA_DIR_BYTES = 1024 * 1024;
/** Largest decompressed source read per module. */
export const MAX_VBA_MODULE_SOURCE_BYTES = 4 * 1024 * 1024;
/** Largest decompressed source read per project, all modules together. */
export const MAX_VBA_PROJECT_SOURCE_BYTES = 16 * 1024 * 1024;
/** Most modules read per project (the dir stream declares the count; ours is the ceiling). */
export const MAX_VBA_MODULES = 512;

export interface VbaModule {
  readonly name: string;
  readonly streamName: string;
  /** Decompressed source, latin1-decoded (keywords are ASCII whatever the code page). */
  readonly source: string;
  /** `complete`, or why the source is partial or missing. */
  readonly status: OvbaStatus | 'missing-stream';
}

export interface VbaProject {
  /** `complete`, or why the dir stream could not be fully read. */
  readonly dirStatus: OvbaStatus;
  readonly modules: readonly VbaModule[];
  /** A size budget was hit (dir, module or project): the analysis saw only part of the code. */
  readonly limitHit: boolean;
}

const ID_PROJECTVERSION = 0x0009;
const ID_MODULENAME = 0x0019;
const ID_MODULENAMEUNICODE = 0x0047;
const ID_MODULESTREAMNAME = 0x001a;
const ID_MODULESTREAMNAMEUNICODE = 0x0032;
const ID_MODULEOFFSET = 0x0031;
const ID_MODULETERMINATOR = 0x002b;

interface ModuleEntry {
  name: string;
  streamName: string;
  textOffset: number;
}

/**
 * Reads the project whose streams `streamOf` returns by name, relative to the VBA storage
 * (`dir`, `Module1`, ...), matched case-insensitively by the caller.
 */
export function readVbaProject(streamOf: (name: string) => Uint8Array | undefined): VbaProject {
  const dirStream = streamOf('dir');
  if (dirStream === undefined) return { dirStatus: 'malformed', modules: [], limitHit: false };
  const dir = decompressOvba(dirStream, 0, MAX_VBA_DIR_BYTES);
  const entries = parseDirRecords(dir.bytes);
  let limitHit = dir.status === 'limit' || entries.length > MAX_VBA_MODULES;
  let budget = MAX_VBA_PROJECT_SOURCE_BYTES;
  const modules: VbaModule[] = [];
  for (const entry of entries.slice(0, MAX_VBA_MODULES)) {
    const stream = streamOf(entry.streamName);
    if (stream === undefined) {
      modules.push({ name: entry.name, streamName: entry.streamName, source: '', status: 'missing-stream' });
      continue;
    }
    if (budget <= 0) {
      limitHit = true;
      break;
    }
    const source = decompressOvba(stream, entry.textOffset, Math.min(MAX_VBA_MODULE_SOURCE_BYTES, budget));
    budget -= source.bytes.length;
    if (source.status === 'limit') limitHit = true;
    modules.push({ name: entry.name, streamName: entry.streamName, source: Buffer.from(source.bytes).toString('latin1'), status: source.status });
  }
  return { dirStatus: dir.status, modules, limitHit };
}

/**
 * Walks the dir stream's records (Id u16, Size u32, data) and collects the module entries.
 * PROJECTVERSION is the one record whose Size field lies (4, with 6 bytes of data).
 */
function parseDirRecords(dir: Uint8Array): ModuleEntry[] {
  const view = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  const modules: ModuleEntry[] = [];
  let current: ModuleEntry | undefined;
  let pos = 0;
  while (pos + 6 <= dir.length && modules.length <= MAX_VBA_MODULES) {
    const id = view.getUint16(pos, true);
    const size = id === ID_PROJECTVERSION ? 6 : view.getUint32(pos + 2, true);
    const start = pos + 6;
    if (start + size > dir.length) break;
    const data = dir.subarray(start, start + size);
    pos = start + size;
    switch (id) {
      case ID_MODULENAME:
        current = { name: latin1(data), streamName: latin1(data), textOffset: 0 };
        break;
      case ID_MODULENAMEUNICODE:
        if (current) current.name = utf16(data) || current.name;
        break;
      case ID_MODULESTREAMNAME:
        if (current) current.streamName = latin1(data);
        break;
      case ID_MODULESTREAMNAMEUNICODE:
        if (current) current.streamName = utf16(data) || current.streamName;
        break;
      case ID_MODULEOFFSET:
        if (current && size >= 4) current.textOffset = view.getUint32(start, true);
        break;
      case ID_MODULETERMINATOR:
        if (current) modules.push(current);
        current = undefined;
        break;
      default:
        break;
    }
  }
  // A module whose terminator is missing (a truncated dir) is still worth reading.
  if (current) modules.push(current);
  return modules;
}

function latin1(data: Uint8Array): string {
  return Buffer.from(data).toString('latin1');
}

function utf16(data: Uint8Array): string {
  return Buffer.from(data.subarray(0, data.length & ~1)).toString('utf16le');
}
