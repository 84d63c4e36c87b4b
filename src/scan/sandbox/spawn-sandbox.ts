/**
 * Starts one sandbox process. THE ONLY module in src/ that imports node:child_process
 * (DESIGN.md invariant 1; a test fails the build otherwise). Reviewed properties:
 *
 * - The program is `process.execPath` (this very Node binary); the script is sandbox-worker.js
 *   next to this file, computed from import.meta.url, never from config or input. `shell: false`.
 * - Arguments are fixed flags plus one JSON argument (the worker options); nothing is
 *   interpreted by a shell, so no value can become a command.
 * - Node's permission model (`--experimental-permission`) with read access only to the code
 *   (dist/, node_modules/, package.json) and the caller's readable paths (the spool, or the files
 *   `portcullis scan` was given). No --allow-fs-write, --allow-child-process, --allow-worker: a
 *   write, a spawn or a worker thread fails with ERR_ACCESS_DENIED inside the sandbox.
 * - `--max-old-space-size` caps the V8 heap (heap exhaustion aborts the process: SIGABRT); the
 *   pool's watchdog covers time and resident memory (Buffers live outside the heap).
 * - An empty environment: secrets the gateway reads from environment variables are not there.
 * - stdio: stdin ignored; stdout and stderr both go to the parent's stderr (a crash's stack reaches
 *   the log, and nothing a sandbox prints can corrupt `scan --json` on stdout); IPC for jobs.
 *
 * What Node 20.20 needs, checked by hand and by test/scan/sandbox/sandbox-pool.test.ts:
 * - `--allow-fs-read` takes ONE path per flag and is repeated (20.20 warns that the
 *   comma-separated list is no longer valid and then grants nothing); a directory path grants
 *   the whole tree below it.
 * - The entry script must be readable, else the process dies at start with ERR_ACCESS_DENIED;
 *   the ESM loader's package.json lookup and imports from node_modules need read access too.
 * - The IPC channel works under the permission model (it is an inherited file descriptor).
 * - process.memoryUsage() works, so the worker can report its RSS.
 * - `--disable-warning=ExperimentalWarning` keeps the permission model's warning off stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortcullisError } from '../../core/errors.js';
import { requireLimit } from '../../core/limits.js';
import type { WorkerOptions } from './sandbox-protocol.js';

/** The project root: this file is dist/src/scan/sandbox/spawn-sandbox.js. */
const PROJECT_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const WORKER_SCRIPT = fileURLToPath(new URL('./sandbox-worker.js', import.meta.url));
/** What the code needs to load: compiled code, dependencies, and package.json ("type": "module"). */
const CODE_PATHS: readonly string[] = ['dist', 'node_modules', 'package.json'].map((p) => resolve(PROJECT_ROOT, p));

export interface SpawnSandboxOptions {
  readonly heapMb: number;
  /** Absolute paths the sandbox may read besides its code (files or directory trees). */
  readonly readablePaths: readonly string[];
  readonly worker: WorkerOptions;
}

export function sandboxArguments(options: SpawnSandboxOptions): string[] {
  const heapMb = requireLimit('heapMb', options.heapMb);
  for (const path of [...options.readablePaths, ...options.worker.analyzerModules]) {
    if (!isAbsolute(path)) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `sandbox path ${JSON.stringify(path)} must be absolute`);
    }
  }
  const readable = [...new Set([...CODE_PATHS, ...options.readablePaths, ...options.worker.analyzerModules])];
  return [
    '--experimental-permission',
    ...readable.map((path) => `--allow-fs-read=${path}`),
    `--max-old-space-size=${Math.floor(heapMb)}`,
    '--disable-warning=ExperimentalWarning',
    WORKER_SCRIPT,
    JSON.stringify(options.worker),
  ];
}

export function spawnSandbox(options: SpawnSandboxOptions): ChildProcess {
  return spawn(process.execPath, sandboxArguments(options), {
    shell: false,
    stdio: ['ignore', 2, 2, 'ipc'],
    env: {},
    cwd: PROJECT_ROOT,
    serialization: 'json',
  });
}
