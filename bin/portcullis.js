#!/usr/bin/env node
// Entry point of the `portcullis` command: the compiled CLI lives in dist/ (built by `npm ci`).
//
// libuv's thread pool (4 threads by default) runs the spool's fsyncs and unlinks; under load
// dozens of commits wait on fsync at once, and with 4 threads they queue behind each other
// instead of sharing the file system's journal commits. The size must be set before the pool
// is first used, hence before anything else is loaded. An explicit UV_THREADPOOL_SIZE wins.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { main } = await import('../dist/src/cli/main.js');

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err?.stack ?? String(err)); process.exitCode = 1; },
);
