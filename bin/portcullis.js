#!/usr/bin/env node
// Entry point of the `portcullis` command: the compiled CLI lives in dist/ (built by `npm ci`).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err?.stack ?? String(err)); process.exitCode = 1; },
);
