#!/usr/bin/env node
// Runs the compiled tests with node:test (Node 20's `node --test` does not expand globs).
//   unit:     every dist/test/**/*.test.js except *.services.test.js (needs only `npm ci`)
//   services: every *.services.test.js (needs clamd, PostgreSQL, Redis, Chromium)
// Extra arguments filter by substring of the path: `npm test -- spool` runs the spool tests.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const [suite = 'unit', ...filters] = process.argv.slice(2);
const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = walk(testDir)
  .filter((f) => (suite === 'services') === f.endsWith('.services.test.js'))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  if (suite === 'services' && filters.length === 0) {
    console.log('no services tests exist yet (clamd, PostgreSQL, Redis and Chromium tests come with their features)');
    process.exit(0);
  }
  console.error(`no ${suite} test files found under ${relative(root, testDir)}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
