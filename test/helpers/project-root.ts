/**
 * Finds the project root from a module's URL, so compiled tests (dist/test/...) and benchmarks
 * (dist/bench/...) read source files, fixtures and bin/ from the checkout, whatever the cwd.
 *
 * Contract: returns the nearest parent folder holding the portcullis package.json; throws if none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(fromUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'portcullis') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no portcullis package.json above ${fromUrl}`);
    dir = parent;
  }
}
