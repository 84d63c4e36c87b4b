/**
 * Reads an OLE compound file ([MS-CFB]) from memory: the header, the DIFAT, the FAT and mini FAT,
 * the directory (as full paths from the root), and stream contents on demand.
 *
 * Trusts nothing: every sector number, chain, index, name and size comes from the attacker. Each
 * chain is followed with a visited stamp per sector (a loop ends the walk), every sector number is
 * checked against the file, a stream's declared size is checked against its chain before anything
 * is allocated, and the directory tree is walked once per entry (a sibling or child cycle is cut,
 * not followed). Work and memory are bounded by the file's size and by the named limits below;
 * a chain is never followed further than the file has sectors.
 *
 * Contract: never throws on content. `OleReader.open` gives `{ ok: false, reason }` when the
 * container cannot be read at all; otherwise a reader whose `entries` may be partial (then
 * `problems` says why), and whose `readStream` gives `{ ok: false, reason }` for a stream it
 * cannot read. Stream contents are fresh copies.
 */

/** Most directory entries read (real documents have tens; Outlook .msg files a few thousand). */
export const MAX_OLE_DIRECTORY_ENTRIES = 16_384;
/** Largest single stream read. */
export const MAX_OLE_STREAM_BYTES = 64 * 1024 * 1024;
/** Most stream bytes read from one file, all streams together (streams may share sectors). */
export const MAX_OLE_READ_BYTES = 128 * 1024 * 1024;
/** Most FAT and mini FAT links followed in one file, all chains together. */
export const MAX_OLE_CHAIN_STEPS = 4 * 1024 * 1024;

/** Why the container cannot be read at all. */
export type OleOpenFailure =
  | 'not-ole'
  | 'truncated'
  | 'bad-version'
  | 'bad-sector-shift'
  | 'bad-mini-sector-shift'
  | 'fat-count-implausible'
  | 'difat-loop'
  | 'difat-short'
  | 'sector-out-of-range'
  | 'directory-unreadable'
  | 'no-root-entry'
  | 'chain-budget-exhausted';

/** Why one stream cannot be read. */
export type OleStreamFailure =
  | 'not-found'
  | 'not-a-stream'
  | 'too-large'
  | 'chain-loop'
  | 'chain-too-short'
  | 'sector-out-of-range'
  | 'truncated'
  | 'mini-stream-unreadable'
  | 'read-budget-exhausted'
  | 'chain-budget-exhausted';

/** Why the directory listing is incomplete: entries behind the problem were skipped. */
export type OleDirectoryProblem =
  | 'entry-index-out-of-range'
  | 'entry-cycle'
  | 'unallocated-entry-in-tree'
  | 'duplicate-path'
  | 'entry-limit';

export interface OleEntry {
  /** Directory index. */
  readonly id: number;
  /** `/`-joined names from the root, starting with `/` (`/Macros/VBA/dir`); names are as stored. */
  readonly path: string;
  readonly name: string;
  readonly kind: 'storage' | 'stream';
  /** Declared size in bytes (streams; 0 for storages). */
  readonly size: number;
}

export type OleOpenResult = { readonly ok: true; readonly reader: OleReader } | { readonly ok: false; readonly reason: OleOpenFailure };
export type OleStreamResult = { readonly ok: true; readonly content: Uint8Array } | { readonly ok: false; readonly reason: OleStreamFailure };

const SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] as const;
const HEADER_BYTES = 512;
const HEADER_DIFAT_ENTRIES = 109;
const MINI_SECTOR_SHIFT = 6;
const MINI_SECTOR_BYTES = 1 << MINI_SECTOR_SHIFT;
/** [MS-CFB] requires 4096; the header field is not trusted to move streams between FAT and mini FAT. */
const MINI_STREAM_CUTOFF = 4096;
const DIRECTORY_ENTRY_BYTES = 128;
const MAX_REGULAR_SECTOR = 0xfffffffa;
const END_OF_CHAIN = 0xfffffffe;
const FREE_SECTOR = 0xffffffff;
const NO_STREAM = 0xffffffff;
const TYPE_STORAGE = 1;
const TYPE_STREAM = 2;
const TYPE_ROOT = 5;

type ChainResult = { readonly ok: true; readonly sectors: Uint32Array } | { readonly ok: false; readonly reason: 'chain-loop' | 'chain-too-short' | 'sector-out-of-range' | 'chain-budget-exhausted' };

/**
 * A FAT (or mini FAT) and the sectors it describes, with a per-sector stamp so each walk detects
 * its own loops without allocating a bitmap per stream.
 */
class SectorChains {
  private readonly stamps: Uint32Array;
  private walk = 0;

  constructor(
    private readonly table: Uint32Array,
    readonly sectorCount: number,
    private readonly budget: { steps: number },
  ) {
    this.stamps = new Uint32Array(sectorCount);
  }

  /**
   * The first `wanted` sectors of the chain from `start`, or every sector up to ENDOFCHAIN when
   * `wanted` is undefined (never more than the file has sectors).
   */
  follow(start: number, wanted?: number): ChainResult {
    const limit = wanted ?? this.sectorCount;
    if (limit > this.sectorCount) return { ok: false, reason: 'chain-too-short' };
    this.walk += 1;
    const out: number[] = [];
    let sector = start;
    while (out.length < limit) {
      if (sector === END_OF_CHAIN) break;
      if (sector > MAX_REGULAR_SECTOR) return { ok: false, reason: 'chain-too-short' };
      if (sector >= this.sectorCount) return { ok: false, reason: 'sector-out-of-range' };
      if (this.stamps[sector] === this.walk) return { ok: false, reason: 'chain-loop' };
      if (--this.budget.steps < 0) return { ok: false, reason: 'chain-budget-exhausted' };
      this.stamps[sector] = this.walk;
      out.push(sector);
      // A sector the table does not cover has no successor.
      sector = this.table[sector] ?? FREE_SECTOR;
    }
    if (wanted !== undefined && out.length < wanted) return { ok: false, reason: 'chain-too-short' };
    return { ok: true, sectors: Uint32Array.from(out) };
  }
}

interface RawEntry {
  readonly name: string;
  readonly type: number;
  readonly left: number;
  readonly right: number;
  readonly child: number;
  readonly start: number;
  readonly size: number;
}

export class OleReader {
  /** Storages and streams reachable from the root, in directory order (the root itself excluded). */
  readonly entries: readonly OleEntry[];
  /** Why `entries` is incomplete; empty when the whole tree was read. */
  readonly problems: readonly OleDirectoryProblem[];
  private readonly byPath: ReadonlyMap<string, OleEntry>;
  private readonly raw: readonly RawEntry[];
  private miniStream: OleStreamResult | undefined;
  private miniChains: SectorChains | undefined;
  private bytesRead = 0;

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly sectorShift: number,
    private readonly fat: SectorChains,
    /** Undefined when the mini FAT chain is broken. */
    private readonly miniFat: Uint32Array | undefined,
    private readonly budget: { steps: number },
    directory: { entries: readonly OleEntry[]; problems: readonly OleDirectoryProblem[]; raw: readonly RawEntry[] },
  ) {
    this.entries = directory.entries;
    this.problems = directory.problems;
    this.raw = directory.raw;
    const byPath = new Map<string, OleEntry>();
    for (const entry of this.entries) {
      const key = entry.path.toLowerCase();
      if (!byPath.has(key)) byPath.set(key, entry);
    }
    this.byPath = byPath;
  }

  static open(bytes: Uint8Array): OleOpenResult {
    if (bytes.length < HEADER_BYTES || !SIGNATURE.every((b, i) => bytes[i] === b)) return { ok: false, reason: 'not-ole' };
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const u16 = (at: number): number => view.getUint16(at, true);
    const u32 = (at: number): number => view.getUint32(at, true);
    const major = u16(26);
    const sectorShift = u16(30);
    if (major !== 3 && major !== 4) return { ok: false, reason: 'bad-version' };
    if (sectorShift !== (major === 3 ? 9 : 12)) return { ok: false, reason: 'bad-sector-shift' };
    if (u16(32) !== MINI_SECTOR_SHIFT) return { ok: false, reason: 'bad-mini-sector-shift' };
    const sectorBytes = 1 << sectorShift;
    if (bytes.length < sectorBytes) return { ok: false, reason: 'truncated' };
    // Sector n starts at (n + 1) * sectorBytes; a short last sector still counts (writers leave them).
    const sectorCount = Math.ceil((bytes.length - sectorBytes) / sectorBytes);
    const budget = { steps: MAX_OLE_CHAIN_STEPS };

    const fatSectors = readDifat(view, sectorBytes, sectorCount, budget);
    if (!fatSectors.ok) return fatSectors;
    const entriesPerSector = sectorBytes / 4;
    const fatTable = new Uint32Array(fatSectors.sectors.length * entriesPerSector);
    fatSectors.sectors.forEach((sector, i) => copyWords(view, sectorOffset(sector, sectorShift), entriesPerSector, fatTable, i * entriesPerSector));
    const fat = new SectorChains(fatTable, sectorCount, budget);

    // A broken mini FAT makes the small streams unreadable, not the whole file.
    const miniFatChain = u32(64) === 0 ? { ok: true as const, sectors: new Uint32Array(0) } : fat.follow(u32(60));
    if (!miniFatChain.ok && miniFatChain.reason === 'chain-budget-exhausted') return { ok: false, reason: 'chain-budget-exhausted' };
    const miniFatSectors = miniFatChain.ok ? miniFatChain.sectors : new Uint32Array(0);
    const miniFat = new Uint32Array(miniFatSectors.length * entriesPerSector);
    miniFatSectors.forEach((sector, i) => copyWords(view, sectorOffset(sector, sectorShift), entriesPerSector, miniFat, i * entriesPerSector));

    const directoryChain = fat.follow(u32(48));
    if (!directoryChain.ok) return { ok: false, reason: directoryChain.reason === 'chain-budget-exhausted' ? 'chain-budget-exhausted' : 'directory-unreadable' };
    const raw = readDirectoryEntries(bytes, view, directoryChain.sectors, sectorShift, major);
    if (raw.entries[0]?.type !== TYPE_ROOT) return { ok: false, reason: 'no-root-entry' };
    const directory = walkDirectory(raw.entries);
    const problems = raw.capped ? [...directory.problems, 'entry-limit' as const] : directory.problems;
    return { ok: true, reader: new OleReader(bytes, sectorShift, fat, miniFatChain.ok ? miniFat : undefined, budget, { ...directory, problems, raw: raw.entries }) };
  }

  /** The entry at `path` (case-insensitive, as in `entries`), if the directory walk reached it. */
  find(path: string): OleEntry | undefined {
    return this.byPath.get(path.toLowerCase());
  }

  /** The contents of the stream at `path` (case-insensitive). */
  readStream(path: string): OleStreamResult {
    const entry = this.find(path);
    if (entry === undefined) return { ok: false, reason: 'not-found' };
    if (entry.kind !== 'stream') return { ok: false, reason: 'not-a-stream' };
    const raw = this.raw[entry.id];
    if (raw === undefined) return { ok: false, reason: 'not-found' };
    if (raw.size > MAX_OLE_STREAM_BYTES) return { ok: false, reason: 'too-large' };
    if (raw.size === 0) return { ok: true, content: new Uint8Array(0) };
    if (raw.size < MINI_STREAM_CUTOFF) return this.readMini(raw.start, raw.size);
    return this.readRegular(raw.start, raw.size);
  }

  private readRegular(start: number, size: number): OleStreamResult {
    const sectorBytes = 1 << this.sectorShift;
    const chain = this.fat.follow(start, Math.ceil(size / sectorBytes));
    if (!chain.ok) return chain;
    return this.gather(chain.sectors, size, this.sectorShift, (sector) => sectorOffset(sector, this.sectorShift), this.bytes);
  }

  private readMini(start: number, size: number): OleStreamResult {
    const mini = this.loadMiniStream();
    if (!mini.ok) return mini;
    if (this.miniChains === undefined) return { ok: false, reason: 'mini-stream-unreadable' };
    const chain = this.miniChains.follow(start, Math.ceil(size / MINI_SECTOR_BYTES));
    if (!chain.ok) return chain;
    return this.gather(chain.sectors, size, MINI_SECTOR_SHIFT, (sector) => sector * MINI_SECTOR_BYTES, mini.content);
  }

  /** The root entry's stream, read once; its size bounds the mini sectors a mini chain may name. */
  private loadMiniStream(): OleStreamResult {
    if (this.miniStream === undefined) {
      const root = this.raw[0];
      const size = root?.size ?? 0;
      const stream = root === undefined || size === 0 ? { ok: false as const, reason: 'mini-stream-unreadable' as const } : size > MAX_OLE_STREAM_BYTES ? { ok: false as const, reason: 'too-large' as const } : this.readRegular(root.start, size);
      this.miniStream = stream.ok ? stream : { ok: false, reason: stream.reason === 'read-budget-exhausted' ? stream.reason : 'mini-stream-unreadable' };
      if (stream.ok && this.miniFat !== undefined) this.miniChains = new SectorChains(this.miniFat, Math.ceil(size / MINI_SECTOR_BYTES), this.budget);
    }
    return this.miniStream;
  }

  /** Copies `size` bytes from the chain's sectors of `source` into a fresh array, within the read budget. */
  private gather(sectors: Uint32Array, size: number, shift: number, offsetOf: (sector: number) => number, source: Uint8Array): OleStreamResult {
    if (this.bytesRead + size > MAX_OLE_READ_BYTES) return { ok: false, reason: 'read-budget-exhausted' };
    this.bytesRead += size;
    const sectorBytes = 1 << shift;
    const out = new Uint8Array(size);
    for (let i = 0; i < sectors.length; i++) {
      const at = offsetOf(sectors[i] ?? 0);
      const length = Math.min(sectorBytes, size - i * sectorBytes);
      if (at + length > source.length) return { ok: false, reason: 'truncated' };
      out.set(source.subarray(at, at + length), i * sectorBytes);
    }
    return { ok: true, content: out };
  }
}

function sectorOffset(sector: number, shift: number): number {
  return (sector + 1) * (1 << shift);
}

/** Little-endian words from `view` at `at` into `into`, zero past the end of a short last sector. */
function copyWords(view: DataView, at: number, count: number, into: Uint32Array, to: number): void {
  const available = Math.max(0, Math.min(count, Math.floor((view.byteLength - at) / 4)));
  for (let i = 0; i < available; i++) into[to + i] = view.getUint32(at + i * 4, true);
  into.fill(FREE_SECTOR, to + available, to + count);
}

type DifatResult = { readonly ok: true; readonly sectors: readonly number[] } | { readonly ok: false; readonly reason: OleOpenFailure };

/**
 * The FAT's sector numbers: up to 109 in the header, the rest in a chain of DIFAT sectors (each
 * ends with the next one's number). The header's FAT count is checked against the file: every FAT
 * sector is a sector of the file, so there cannot be more of them than the file has.
 */
function readDifat(view: DataView, sectorBytes: number, sectorCount: number, budget: { steps: number }): DifatResult {
  const fatCount = view.getUint32(44, true);
  if (fatCount > sectorCount) return { ok: false, reason: 'fat-count-implausible' };
  const shift = sectorBytes === 512 ? 9 : 12;
  const sectors: number[] = [];
  const take = (sector: number): boolean => {
    if (sector >= sectorCount) return false;
    sectors.push(sector);
    return true;
  };
  for (let i = 0; i < HEADER_DIFAT_ENTRIES && sectors.length < fatCount; i++) {
    if (!take(view.getUint32(76 + i * 4, true))) return { ok: false, reason: 'sector-out-of-range' };
  }
  const perSector = sectorBytes / 4 - 1;
  const visited = new Uint8Array(sectorCount);
  let difat = view.getUint32(68, true);
  while (sectors.length < fatCount) {
    if (difat === END_OF_CHAIN || difat === FREE_SECTOR) return { ok: false, reason: 'difat-short' };
    if (difat >= sectorCount) return { ok: false, reason: 'sector-out-of-range' };
    if (visited[difat] === 1) return { ok: false, reason: 'difat-loop' };
    if (--budget.steps < 0) return { ok: false, reason: 'chain-budget-exhausted' };
    visited[difat] = 1;
    const at = sectorOffset(difat, shift);
    if (at + sectorBytes > view.byteLength) return { ok: false, reason: 'truncated' };
    for (let i = 0; i < perSector && sectors.length < fatCount; i++) {
      if (!take(view.getUint32(at + i * 4, true))) return { ok: false, reason: 'sector-out-of-range' };
    }
    difat = view.getUint32(at + perSector * 4, true);
  }
  return { ok: true, sectors };
}

function readDirectoryEntries(bytes: Uint8Array, view: DataView, chain: Uint32Array, shift: number, major: number): { entries: readonly RawEntry[]; capped: boolean } {
  const perSector = (1 << shift) / DIRECTORY_ENTRY_BYTES;
  const entries: RawEntry[] = [];
  for (const sector of chain) {
    for (let i = 0; i < perSector; i++) {
      if (entries.length >= MAX_OLE_DIRECTORY_ENTRIES) return { entries, capped: true };
      const at = sectorOffset(sector, shift) + i * DIRECTORY_ENTRY_BYTES;
      if (at + DIRECTORY_ENTRY_BYTES > bytes.length) return { entries, capped: false };
      const nameBytes = Math.min(64, view.getUint16(at + 64, true)) & ~1;
      const name = Buffer.from(bytes.buffer, bytes.byteOffset + at, nameBytes).toString('utf16le').replace(/\0+$/, '');
      const low = view.getUint32(at + 120, true);
      // Version 3 writers may leave the high half uninitialised; [MS-CFB] says to ignore it there.
      const high = major === 3 ? 0 : view.getUint32(at + 124, true);
      entries.push({
        name,
        type: bytes[at + 66] ?? 0,
        left: view.getUint32(at + 68, true),
        right: view.getUint32(at + 72, true),
        child: view.getUint32(at + 76, true),
        start: view.getUint32(at + 116, true),
        size: high * 0x1_0000_0000 + low,
      });
    }
  }
  return { entries, capped: false };
}

/**
 * Full paths by walking the tree from the root: each storage's children are the binary tree under
 * its child index (left and right siblings). Each entry is visited at most once over the whole
 * walk, so a cycle or an entry shared by two storages is cut and reported, never followed twice.
 */
function walkDirectory(raw: readonly RawEntry[]): { entries: readonly OleEntry[]; problems: readonly OleDirectoryProblem[] } {
  const visited = new Uint8Array(raw.length);
  visited[0] = 1;
  const paths: (string | undefined)[] = new Array<string | undefined>(raw.length);
  const problems = new Set<OleDirectoryProblem>();
  const seenPaths = new Set<string>();
  const pending: Array<{ readonly id: number; readonly parent: string }> = [{ id: raw[0]?.child ?? NO_STREAM, parent: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { id, parent } = next;
    if (id === NO_STREAM) continue;
    const entry = raw[id];
    if (entry === undefined) {
      problems.add('entry-index-out-of-range');
      continue;
    }
    if (visited[id] === 1) {
      problems.add('entry-cycle');
      continue;
    }
    visited[id] = 1;
    if (entry.type !== TYPE_STORAGE && entry.type !== TYPE_STREAM) {
      problems.add('unallocated-entry-in-tree');
      continue;
    }
    const path = `${parent}/${entry.name}`;
    const key = path.toLowerCase();
    if (seenPaths.has(key)) problems.add('duplicate-path');
    seenPaths.add(key);
    paths[id] = path;
    pending.push({ id: entry.left, parent }, { id: entry.right, parent });
    if (entry.type === TYPE_STORAGE) pending.push({ id: entry.child, parent: path });
  }
  const entries: OleEntry[] = [];
  raw.forEach((entry, id) => {
    const path = paths[id];
    if (path === undefined) return;
    const kind = entry.type === TYPE_STORAGE ? 'storage' : 'stream';
    entries.push({ id, path, name: entry.name, kind, size: kind === 'stream' ? entry.size : 0 });
  });
  return { entries, problems: [...problems] };
}
