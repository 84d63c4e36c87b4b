import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import CFB from 'cfb';
import fc from 'fast-check';
import { MAX_OLE_READ_BYTES, OleReader, type OleOpenResult, type OleStreamResult } from '../../../src/scan/office/ole-reader.js';

/** Deterministic bytes, different for each stream, so a sector read from the wrong place shows. */
function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

const STREAMS: ReadonlyArray<readonly [string, Buffer]> = [
  ['/WordDocument', pattern(600, 1)],
  ['/Macros/VBA/dir', pattern(100, 2)],
  ['/Macros/VBA/Module1', pattern(4095, 3)],
  ['/Macros/VBA/_VBA_PROJECT', pattern(7, 4)],
  ['/Data/Big', pattern(10_000, 5)],
  // 137 sectors: its chain runs through a second FAT sector.
  ['/Data/Bigger', pattern(70_000, 6)],
  ['/Data/Nested/Deeper/Leaf', pattern(4096, 7)],
  ['/Empty', Buffer.alloc(0)],
];

function writeOle(streams: ReadonlyArray<readonly [string, Uint8Array]>): Buffer {
  const cfb = CFB.utils.cfb_new();
  for (const [path, content] of streams) CFB.utils.cfb_add(cfb, path, Buffer.from(content));
  return Buffer.from(CFB.write(cfb, { type: 'buffer' }) as Uint8Array);
}

const sample = writeOle(STREAMS);
/** cfb writes a placeholder stream into every file it creates. */
const CFB_PLACEHOLDER = '/\u0001Sh33tJ5';

function open(bytes: Uint8Array): OleReader {
  const opened = OleReader.open(bytes);
  assert.ok(opened.ok, `open failed: ${opened.ok ? '' : opened.reason}`);
  return opened.reader;
}

/** Runs `fn` and returns its result with the elapsed milliseconds. */
function timed<T>(fn: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

/** Opens and reads every stream: what a caller does with a hostile file. */
function readEverything(bytes: Uint8Array): { opened: OleOpenResult; reads: Map<string, OleStreamResult> } {
  const opened = OleReader.open(bytes);
  const reads = new Map<string, OleStreamResult>();
  if (opened.ok) for (const entry of opened.reader.entries) if (entry.kind === 'stream') reads.set(entry.path, opened.reader.readStream(entry.path));
  return { opened, reads };
}

// Byte surgery on cfb-written (version 3, 512-byte sector) files.
const u32 = (bytes: Uint8Array, at: number): number => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(at);
const setU32 = (bytes: Uint8Array, at: number, value: number): void => void Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).writeUInt32LE(value >>> 0, at);

/** Offsets of the directory entries, in directory order (following the directory's FAT chain). */
function entryOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let sector = u32(bytes, 48); sector !== END_OF_CHAIN && out.length < 4096; sector = u32(bytes, fatEntryAt(bytes, sector))) {
    for (let i = 0; i < 4; i++) out.push((sector + 1) * 512 + i * 128);
  }
  return out;
}

/** Directory index of the entry named `name`. */
function entryId(bytes: Buffer, name: string): number {
  const id = entryOffsets(bytes).findIndex((at) => bytes.subarray(at, at + bytes.readUInt16LE(at + 64)).toString('utf16le') === `${name}\0`);
  assert.ok(id >= 0, `no directory entry ${name}`);
  return id;
}

function entryAt(bytes: Buffer, name: string): number {
  return entryOffsets(bytes)[entryId(bytes, name)] ?? -1;
}

/** Offset of the FAT entry for `sector` (through the header's DIFAT). */
function fatEntryAt(bytes: Uint8Array, sector: number): number {
  const fatSector = u32(bytes, 76 + Math.floor(sector / 128) * 4);
  return (fatSector + 1) * 512 + (sector % 128) * 4;
}

const ENTRY_LEFT = 68;
const ENTRY_RIGHT = 72;
const ENTRY_CHILD = 76;
const ENTRY_START = 116;
const ENTRY_SIZE = 120;
const END_OF_CHAIN = 0xfffffffe;

test('files written by cfb read back identically: paths, kinds, mini and regular streams', () => {
  const reader = open(sample);
  assert.deepEqual(reader.problems, []);
  const streams = reader.entries.filter((e) => e.kind === 'stream').map((e) => e.path).sort();
  assert.deepEqual(streams, [CFB_PLACEHOLDER, ...STREAMS.map(([path]) => path)].sort());
  const storages = reader.entries.filter((e) => e.kind === 'storage').map((e) => e.path).sort();
  assert.deepEqual(storages, ['/Data', '/Data/Nested', '/Data/Nested/Deeper', '/Macros', '/Macros/VBA']);
  for (const [path, content] of STREAMS) {
    const read = reader.readStream(path);
    assert.ok(read.ok, `${path}: ${read.ok ? '' : read.reason}`);
    assert.equal(Buffer.compare(Buffer.from(read.content), content), 0, path);
    assert.equal(reader.find(path)?.size, content.length);
  }
});

test('agrees with CFB.parse on every stream of a cfb-written file, paths compared case-insensitively', () => {
  const parsed = CFB.parse(sample, { type: 'buffer' });
  const reader = open(sample);
  let compared = 0;
  parsed.FileIndex.forEach((entry, i) => {
    const full = parsed.FullPaths[i];
    if (entry.type !== 2 || full === undefined) return;
    const path = full.slice(full.indexOf('/'));
    const read = reader.readStream(path.toUpperCase());
    assert.ok(read.ok, path);
    assert.deepEqual(Buffer.from(read.content), Buffer.from(entry.content as Uint8Array), path);
    compared++;
  });
  assert.equal(compared, STREAMS.length + 1);
});

test('a hand-built version 4 file (4096-byte sectors) reads', () => {
  // Sectors: 0 FAT, 1 directory, 2-3 a 5000-byte stream.
  const bytes = new Uint8Array(4096 * 5);
  bytes.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  const view = new DataView(bytes.buffer);
  view.setUint16(24, 0x3e, true);
  view.setUint16(26, 4, true);
  view.setUint16(28, 0xfffe, true);
  view.setUint16(30, 12, true);
  view.setUint16(32, 6, true);
  view.setUint32(44, 1, true);
  view.setUint32(48, 1, true);
  view.setUint32(56, 4096, true);
  view.setUint32(60, END_OF_CHAIN, true);
  view.setUint32(68, END_OF_CHAIN, true);
  for (let i = 0; i < 109; i++) view.setUint32(76 + i * 4, i === 0 ? 0 : 0xffffffff, true);
  const fat = 4096;
  for (let i = 0; i < 1024; i++) view.setUint32(fat + i * 4, 0xffffffff, true);
  [0xfffffffd, END_OF_CHAIN, 3, END_OF_CHAIN].forEach((v, i) => view.setUint32(fat + i * 4, v, true));
  const entry = (index: number, name: string, type: number, child: number, start: number, size: number): void => {
    const at = 8192 + index * 128;
    bytes.set(Buffer.from(`${name}\0`, 'utf16le'), at);
    view.setUint16(at + 64, (name.length + 1) * 2, true);
    bytes[at + 66] = type;
    view.setUint32(at + ENTRY_LEFT, 0xffffffff, true);
    view.setUint32(at + ENTRY_RIGHT, 0xffffffff, true);
    view.setUint32(at + ENTRY_CHILD, child, true);
    view.setUint32(at + ENTRY_START, start, true);
    view.setUint32(at + ENTRY_SIZE, size, true);
  };
  entry(0, 'Root Entry', 5, 1, END_OF_CHAIN, 0);
  entry(1, 'Payload', 2, 0xffffffff, 2, 5000);
  const content = pattern(5000, 9);
  bytes.set(content.subarray(0, 4096), 4096 * 3);
  bytes.set(content.subarray(4096), 4096 * 4);
  const reader = open(bytes);
  assert.deepEqual(reader.entries.map((e) => e.path), ['/Payload']);
  const read = reader.readStream('/payload');
  assert.ok(read.ok);
  assert.deepEqual(Buffer.from(read.content), content);
});

test('a FAT chain that loops on itself: the stream is unreadable (chain-loop), quickly', () => {
  const bytes = Buffer.from(sample);
  const start = u32(bytes, entryAt(bytes, 'Bigger') + ENTRY_START);
  setU32(bytes, fatEntryAt(bytes, start), start);
  const { result, ms } = timed(() => readEverything(bytes));
  assert.ok(result.opened.ok);
  assert.deepEqual(result.reads.get('/Data/Bigger'), { ok: false, reason: 'chain-loop' });
  assert.equal(result.reads.get('/WordDocument')?.ok, true, 'other streams still read');
  assert.ok(ms < 2000, `${ms} ms`); // a bound against unbounded work, not a speed target
});

test('a loop in the middle of a chain and in the directory chain are both caught', () => {
  const bytes = Buffer.from(sample);
  const start = u32(bytes, entryAt(bytes, 'Bigger') + ENTRY_START);
  const third = u32(bytes, fatEntryAt(bytes, u32(bytes, fatEntryAt(bytes, start))));
  setU32(bytes, fatEntryAt(bytes, third), start);
  assert.deepEqual(readEverything(bytes).reads.get('/Data/Bigger'), { ok: false, reason: 'chain-loop' });

  const directoryLoop = Buffer.from(sample);
  const directory = u32(directoryLoop, 48);
  setU32(directoryLoop, fatEntryAt(directoryLoop, directory), directory);
  const { result, ms } = timed(() => OleReader.open(directoryLoop));
  assert.deepEqual(result, { ok: false, reason: 'directory-unreadable' });
  assert.ok(ms < 2000, `${ms} ms`); // a bound against unbounded work, not a speed target
});

test('a mini FAT chain that loops: the small stream is unreadable (chain-loop), the others read', () => {
  const bytes = Buffer.from(sample);
  const start = u32(bytes, entryAt(bytes, 'WordDocument') + ENTRY_START);
  const miniFat = u32(bytes, 60);
  setU32(bytes, (miniFat + 1) * 512 + start * 4, start);
  const { result, ms } = timed(() => readEverything(bytes));
  assert.deepEqual(result.reads.get('/WordDocument'), { ok: false, reason: 'chain-loop' });
  assert.equal(result.reads.get('/Macros/VBA/dir')?.ok, true);
  assert.equal(result.reads.get('/Data/Bigger')?.ok, true);
  assert.ok(ms < 2000, `${ms} ms`); // a bound against unbounded work, not a speed target
});

test('a directory sibling cycle is cut: a partial listing with a flag, every entry once', () => {
  const bytes = Buffer.from(sample);
  const root = entryAt(bytes, 'Root Entry');
  const first = u32(bytes, root + ENTRY_CHILD);
  const firstAt = entryOffsets(bytes)[first] ?? -1;
  // Point both siblings of the root's first child back at itself.
  setU32(bytes, firstAt + ENTRY_LEFT, first);
  setU32(bytes, firstAt + ENTRY_RIGHT, first);
  const { result, ms } = timed(() => readEverything(bytes));
  assert.ok(result.opened.ok);
  assert.ok(result.opened.reader.problems.includes('entry-cycle'));
  const paths = result.opened.reader.entries.map((e) => e.path);
  assert.equal(new Set(paths).size, paths.length);
  assert.ok(paths.length >= 1);
  assert.ok(ms < 2000, `${ms} ms`); // a bound against unbounded work, not a speed target
});

test('a child index pointing back at an ancestor storage, and an index past the directory, are flagged', () => {
  const bytes = Buffer.from(sample);
  const leaf = entryAt(bytes, 'Leaf');
  setU32(bytes, leaf + ENTRY_LEFT, entryId(bytes, 'Data'));
  setU32(bytes, leaf + ENTRY_RIGHT, 0x00ffffff);
  const reader = open(bytes);
  assert.ok(reader.problems.includes('entry-cycle'));
  assert.ok(reader.problems.includes('entry-index-out-of-range'));
  assert.ok(reader.find('/Data/Nested/Deeper/Leaf'));
});

test('a DIFAT chain that loops is rejected (difat-loop), quickly', () => {
  // 130 KB of stream gives the 240 sectors a 237-FAT-sector header needs to be plausible.
  const bytes = writeOle([['/Filler', pattern(130_000, 1)]]);
  const difat = 10;
  setU32(bytes, 44, 109 + 127 + 1);
  for (let i = 0; i < 109; i++) setU32(bytes, 76 + i * 4, 0);
  setU32(bytes, 68, difat);
  setU32(bytes, 72, 2);
  const at = (difat + 1) * 512;
  for (let i = 0; i < 127; i++) setU32(bytes, at + i * 4, 0);
  setU32(bytes, at + 508, difat);
  const { result, ms } = timed(() => OleReader.open(bytes));
  assert.deepEqual(result, { ok: false, reason: 'difat-loop' });
  assert.ok(ms < 2000, `${ms} ms`); // a bound against unbounded work, not a speed target
});

test('a declared stream size larger than its chain: chain-too-short, nothing allocated first', () => {
  const bytes = Buffer.from(sample);
  const big = entryAt(bytes, 'Big');
  setU32(bytes, big + ENTRY_SIZE, 12_000); // 24 sectors wanted, 20 in the chain
  const module = entryAt(bytes, 'Module1');
  setU32(bytes, module + ENTRY_SIZE, 0x7fffffff); // 2 GB: more sectors than the file has
  const { result, ms } = timed(() => readEverything(bytes));
  assert.deepEqual(result.reads.get('/Data/Big'), { ok: false, reason: 'chain-too-short' });
  assert.deepEqual(result.reads.get('/Macros/VBA/Module1'), { ok: false, reason: 'too-large' });
  setU32(bytes, module + ENTRY_SIZE, 60 * 1024 * 1024);
  assert.deepEqual(open(bytes).readStream('/Macros/VBA/Module1'), { ok: false, reason: 'chain-too-short' });
  assert.ok(ms < 2000, `${ms} ms`); // a bound against unbounded work, not a speed target
});

test('out-of-range sector numbers: in a stream start, a FAT entry, the header DIFAT and the directory start', () => {
  const stream = Buffer.from(sample);
  setU32(stream, entryAt(stream, 'Big') + ENTRY_START, 0x00ffffff);
  assert.deepEqual(open(stream).readStream('/Data/Big'), { ok: false, reason: 'sector-out-of-range' });

  const link = Buffer.from(sample);
  const start = u32(link, entryAt(link, 'Bigger') + ENTRY_START);
  setU32(link, fatEntryAt(link, start), 0x0fffffff);
  assert.deepEqual(open(link).readStream('/Data/Bigger'), { ok: false, reason: 'sector-out-of-range' });

  const mini = Buffer.from(sample);
  setU32(mini, entryAt(mini, 'dir') + ENTRY_START, 0x00ffffff);
  assert.deepEqual(open(mini).readStream('/Macros/VBA/dir'), { ok: false, reason: 'sector-out-of-range' });

  const header = Buffer.from(sample);
  setU32(header, 76, 0x00ffffff);
  assert.deepEqual(OleReader.open(header), { ok: false, reason: 'sector-out-of-range' });

  const directory = Buffer.from(sample);
  setU32(directory, 48, 0x00ffffff);
  assert.deepEqual(OleReader.open(directory), { ok: false, reason: 'directory-unreadable' });
});

test('a truncated file gives typed results at every length, never an exception', () => {
  const { ms } = timed(() => {
    for (let length = 0; length < sample.length; length += 97) {
      const { opened, reads } = readEverything(sample.subarray(0, length));
      if (!opened.ok) {
        assert.match(opened.reason, /^(not-ole|truncated|sector-out-of-range|fat-count-implausible|directory-unreadable|no-root-entry|difat-short)$/);
        continue;
      }
      for (const [path, read] of reads) {
        const declared: number | undefined = opened.reader.find(path)?.size;
        if (read.ok) assert.equal(read.content.length, declared, path);
        else assert.match(read.reason, /^(truncated|sector-out-of-range|chain-too-short|mini-stream-unreadable)$/, path);
      }
    }
  });
  const cut = readEverything(sample.subarray(0, sample.length - 3000));
  assert.ok(!cut.opened.ok || [...cut.reads.values()].some((r) => !r.ok), 'losing the tail loses something');
  assert.ok(ms < 1000, `${ms} ms for ${Math.ceil(sample.length / 97)} lengths`);
});

test('many entries sharing one large chain stop at the per-file read budget', () => {
  const streams: Array<[string, Buffer]> = [['/Big', pattern(1024 * 1024, 1)]];
  for (let i = 0; i < 199; i++) streams.push([`/S${i}`, pattern(10, i)]);
  const bytes = writeOle(streams);
  const big = entryAt(bytes, 'Big');
  for (let i = 0; i < 199; i++) {
    const at = entryAt(bytes, `S${i}`);
    setU32(bytes, at + ENTRY_START, u32(bytes, big + ENTRY_START));
    setU32(bytes, at + ENTRY_SIZE, 1024 * 1024);
  }
  const { result, ms } = timed(() => readEverything(bytes));
  const reads = [...result.reads.values()];
  const bytesRead = reads.reduce((sum, r) => sum + (r.ok ? r.content.length : 0), 0);
  assert.ok(bytesRead <= MAX_OLE_READ_BYTES && bytesRead > MAX_OLE_READ_BYTES - 2 * 1024 * 1024, `${bytesRead} bytes read`);
  assert.ok(reads.some((r) => !r.ok && r.reason === 'read-budget-exhausted'));
  assert.ok(ms < 2000, `${ms} ms`);
});

test('header checks: signature, version, sector shift 9 or 12 to match, mini sector shift 6', () => {
  const with16 = (at: number, value: number): Buffer => {
    const bytes = Buffer.from(sample);
    bytes.writeUInt16LE(value, at);
    return bytes;
  };
  assert.deepEqual(OleReader.open(Buffer.from('not an OLE file at all')), { ok: false, reason: 'not-ole' });
  assert.deepEqual(OleReader.open(with16(26, 5)), { ok: false, reason: 'bad-version' });
  assert.deepEqual(OleReader.open(with16(30, 12)), { ok: false, reason: 'bad-sector-shift' });
  assert.deepEqual(OleReader.open(with16(30, 20)), { ok: false, reason: 'bad-sector-shift' });
  assert.deepEqual(OleReader.open(with16(32, 7)), { ok: false, reason: 'bad-mini-sector-shift' });
  const fat = Buffer.from(sample);
  setU32(fat, 44, 0x7fffffff);
  assert.deepEqual(OleReader.open(fat), { ok: false, reason: 'fat-count-implausible' });
});

test('property: mutated cfb-written files give typed, size-consistent results quickly, never an exception', () => {
  const small = writeOle([['/A', pattern(300, 1)], ['/S/B', pattern(5000, 2)], ['/S/T/C', pattern(70, 3)]]);
  let slowest = 0;
  let opened = 0;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: small.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 16 }),
      fc.array(fc.tuple(fc.nat({ max: small.length - 4 }), fc.constantFrom(0, 1, 2, 3, 5, 8, 0x7f, 0xffff, 0xfffffffe, 0xffffffff, 0x7fffffff)), { maxLength: 4 }),
      (byteEdits, wordEdits) => {
        const bytes = Buffer.from(small);
        for (const [at, value] of byteEdits) bytes[at] = value;
        for (const [at, value] of wordEdits) setU32(bytes, at & ~3, value);
        const { result, ms } = timed(() => readEverything(bytes));
        slowest = Math.max(slowest, ms);
        if (!result.opened.ok) return;
        opened++;
        const { entries, problems } = result.opened.reader;
        assert.equal(new Set(entries.map((e) => e.id)).size, entries.length, 'each directory entry listed once');
        if (!problems.includes('duplicate-path')) assert.equal(new Set(entries.map((e) => e.path.toLowerCase())).size, entries.length);
        for (const [path, read] of result.reads) {
          if (read.ok) assert.equal(read.content.length, result.opened.reader.find(path)?.size, path);
          else assert.equal(typeof read.reason, 'string');
        }
      },
    ),
    { numRuns: 1500 },
  );
  assert.ok(opened > 100, `only ${opened} mutated files opened: the property barely ran the reader`);
  // A bound against unbounded work (loops, quadratic chains), not a speed target: CI machines are loaded.
  assert.ok(slowest < 2000, `slowest mutated file took ${slowest} ms`);
});
