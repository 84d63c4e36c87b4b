/**
 * libarchive 3.7.2 in WebAssembly (the build shipped by libarchive.js 2.0.2), driven in the
 * calling process: the sandbox's permission model refuses the worker thread libarchive.js's own
 * API starts, so only its emscripten glue and libarchive.wasm are used, never its worker.
 *
 * The exported C API of that build reads a member only whole, into a buffer of a size given
 * beforehand, and never says how many bytes it produced; so the streaming calls are taken from
 * libarchive's own dispatch table instead: `struct archive` holds a pointer to its vtable
 * (offset 8 in wasm32), whose entries 6 and 8 are `archive_read_next_header` and
 * `archive_read_data_block`, reached through the module's exported function table. This
 * depends on libarchive's struct layout, so the version is pinned and openArchive checks that
 * both entries are functions; tests read real 7z and rar archives through them.
 *
 * Each archive gets a fresh instance of the (once compiled) module, about 3 ms: whatever an
 * archive did to the wasm heap (a dictionary grown to its declared size, memory a failed read
 * leaked, a trap in the middle of a call) ends with it, and no archive's bytes remain in memory
 * a later archive could read. The wasm heap is capped at 2 GiB by the build; the sandbox's RSS
 * watchdog is the real ceiling. Nothing here reads a file but libarchive.wasm itself (under
 * node_modules, which the sandbox may read); the glue's stdout/stderr printing and exit are
 * replaced by no-ops and a throw.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import libarchive, { type EmscriptenModule } from 'libarchive.js/src/webworker/wasm-gen/libarchive.js';

/** libarchive's status codes (archive.h). */
const ARCHIVE_EOF = 1;
const ARCHIVE_OK = 0;
const ARCHIVE_WARN = -20;
const ARCHIVE_FATAL = -30;

/** archive_entry_filetype values (archive_entry.h). */
const AE_IFMT = 0o170000;
export const AE_IFREG = 0o100000;

const VTABLE_OFFSET = 8;
const NEXT_HEADER_SLOT = 6;
const DATA_BLOCK_SLOT = 8;
const POINTER = 4;

/**
 * The part of the WebAssembly API used here (the project's TypeScript lib has no DOM types,
 * where WebAssembly's are declared).
 */
interface WasmTable {
  get(index: number): unknown;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<WasmInstance>;
}
const wasmApi = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

type NextHeader = (archive: number, entryOut: number) => number;
type DataBlock = (archive: number, bufferOut: number, sizeOut: number, offsetOut: number) => number;

export interface Entry {
  readonly path: string;
  /** AE_IFREG for a file; directories, links and devices have other types. */
  readonly fileType: number;
  /** The declared size; 0 when the archive does not declare one. */
  readonly size: number;
  readonly encrypted: boolean;
}

/** A failure: `fatal` when libarchive cannot go on with the archive at all. */
export interface Failure {
  readonly kind: 'failed';
  readonly fatal: boolean;
}

export type Header = { readonly kind: 'entry'; readonly entry: Entry } | { readonly kind: 'end' } | Failure;

export type Block =
  | {
      readonly kind: 'data';
      readonly offset: number;
      readonly length: number;
      /** A copy of the block, valid after close(); taken only once the block is allowed. */
      copy(): Uint8Array;
    }
  | { readonly kind: 'end' }
  | Failure;

/** One open archive in its own wasm instance; close() releases it. */
export interface LibarchiveReader {
  nextHeader(): Header;
  /** The next decoded block of the current entry (ARCHIVE_EOF after its last). */
  readBlock(): Block;
  /** Whether libarchive has seen an encrypted entry or encrypted headers so far. */
  sawEncryption(): boolean;
  /** libarchive's message for the last failure ('' if none): format and fault, not content. */
  error(): string;
  close(): void;
}

let compiled: Promise<object> | undefined;

function compiledModule(): Promise<object> {
  if (!compiled) {
    // A fixed specifier, resolved like an import: the file inside the installed package.
    const path = fileURLToPath(import.meta.resolve('libarchive.js/dist/libarchive.wasm'));
    compiled = readFile(path).then((bytes) => wasmApi.compile(bytes));
    // A failed load is retried by the next archive rather than cached as a rejection.
    compiled.catch(() => (compiled = undefined));
  }
  return compiled;
}

async function instantiate(): Promise<{ module: EmscriptenModule; table: WasmTable }> {
  const wasm = await compiledModule();
  return new Promise((resolve, reject) => {
    let table: WasmTable | undefined;
    libarchive({
      print: () => undefined,
      printErr: () => undefined,
      quit: (_status, error) => {
        throw error;
      },
      instantiateWasm(imports, receive) {
        // A failure here would leave the glue's promise pending forever: it rejects ours instead.
        wasmApi
          .instantiate(wasm, imports)
          .then((instance) => {
            // The build exports its indirect function table as "$".
            const exported = instance.exports.$ as Partial<WasmTable> | undefined;
            if (typeof exported?.get === 'function') table = exported as WasmTable;
            receive(instance);
          })
          .catch(reject);
        return {};
      },
    })
      .then((module) => (table ? resolve({ module, table }) : reject(new Error('libarchive.wasm does not export its function table'))))
      .catch(reject);
  });
}

/** Opens `data` with every format and filter libarchive knows; rejects only if the module cannot load. */
export async function openArchive(data: Uint8Array): Promise<LibarchiveReader> {
  const { module, table } = await instantiate();
  const heap = (): Uint32Array => module.HEAPU32;
  const call = <T extends number | string>(name: string, returns: 'number' | 'string', args: ReadonlyArray<'number' | 'string'>) =>
    module.cwrap(name, returns, args) as (...values: Array<number | string | null>) => T;
  const open = call<number>('archive_open', 'number', ['number', 'number', 'string', 'string']);
  const close = call<number>('archive_close', 'number', ['number']);
  const errorString = call<string>('archive_error_string', 'string', ['number']);
  const hasEncrypted = call<number>('archive_read_has_encrypted_entries', 'number', ['number']);
  const pathname = call<string>('archive_entry_pathname', 'string', ['number']);
  const fileType = call<number>('archive_entry_filetype', 'number', ['number']);
  const size = call<number>('archive_entry_size', 'number', ['number']);
  const isEncrypted = call<number>('archive_entry_is_encrypted', 'number', ['number']);

  const input = module._malloc(Math.max(1, data.length));
  module.HEAPU8.set(data, input);
  // Out-parameters: entry pointer / block pointer, block size, block offset (int64).
  const out = module._malloc(4 * POINTER);
  // No passphrase: encrypted content is reported, never guessed at. The locale makes names UTF-8.
  const archive = open(input, data.length, null, 'C.UTF-8');
  const vtable = heap()[(archive + VTABLE_OFFSET) / POINTER] as number;
  const nextHeaderFn = table.get(heap()[vtable / POINTER + NEXT_HEADER_SLOT] as number) as unknown;
  const dataBlockFn = table.get(heap()[vtable / POINTER + DATA_BLOCK_SLOT] as number) as unknown;
  if (archive === 0 || typeof nextHeaderFn !== 'function' || typeof dataBlockFn !== 'function') {
    throw new Error('libarchive.wasm does not have the expected archive vtable (a different libarchive.js version?)');
  }
  const nextHeader = nextHeaderFn as NextHeader;
  const dataBlock = dataBlockFn as DataBlock;
  let closed = false;

  return {
    nextHeader() {
      const status = nextHeader(archive, out);
      if (status === ARCHIVE_EOF) return { kind: 'end' };
      // A warning (an unconvertible name, an unknown extra field) still gives a usable entry.
      if (status !== ARCHIVE_OK && status !== ARCHIVE_WARN) return { kind: 'failed', fatal: status <= ARCHIVE_FATAL };
      const entry = heap()[out / POINTER] as number;
      return {
        kind: 'entry',
        entry: { path: pathname(entry), fileType: fileType(entry) & AE_IFMT, size: size(entry), encrypted: isEncrypted(entry) > 0 },
      };
    },
    readBlock() {
      const status = dataBlock(archive, out, out + POINTER, out + 2 * POINTER);
      if (status === ARCHIVE_EOF) return { kind: 'end' };
      if (status !== ARCHIVE_OK) return { kind: 'failed', fatal: status <= ARCHIVE_FATAL };
      const words = heap();
      const pointer = words[out / POINTER] as number;
      const length = words[out / POINTER + 1] as number;
      const offset = (words[out / POINTER + 2] as number) + (words[out / POINTER + 3] as number) * 2 ** 32;
      return { kind: 'data', offset, length, copy: () => module.HEAPU8.slice(pointer, pointer + length) };
    },
    sawEncryption: () => hasEncrypted(archive) > 0,
    error: () => errorString(archive),
    close() {
      if (closed) return;
      closed = true;
      // The instance is dropped with this reader; freeing is for libarchive's own cleanup only.
      close(archive);
    },
  };
}
