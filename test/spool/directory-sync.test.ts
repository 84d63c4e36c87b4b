/**
 * DirectorySync's group commit: a caller never joins an fsync that started before it called, the
 * callers that arrive meanwhile share the next one, and an error reaches every caller that shared it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DirectorySync } from '../../src/spool/directory-sync.js';
import { nodeSpoolFiles, type SpoolFileLayer } from '../../src/spool/spool-file-layer.js';

/** A layer whose directory fsyncs are counted and finish when the test says. */
function controlledLayer(): { layer: SpoolFileLayer; started: () => number; finish: (err?: Error) => void } {
  let started = 0;
  const waiting: ((err?: Error) => void)[] = [];
  const layer: SpoolFileLayer = {
    ...nodeSpoolFiles,
    fsyncDir: () =>
      new Promise<void>((resolve, reject) => {
        started += 1;
        waiting.push((err) => (err ? reject(err) : resolve()));
      }),
  };
  return { layer, started: () => started, finish: (err) => waiting.shift()?.(err) };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DirectorySync', () => {
  it('a caller arriving while an fsync runs waits for the next one, shared with the others that arrive meanwhile', async () => {
    const { layer, started, finish } = controlledLayer();
    const sync = new DirectorySync(layer, '/spool');
    const first = sync.sync();
    await turn();
    await turn();
    assert.equal(started(), 1);
    let laterDone = 0;
    const later = [sync.sync(), sync.sync()].map((p) => p.then(() => (laterDone += 1)));
    finish();
    await first;
    await turn();
    assert.equal(laterDone, 0, 'the first fsync may have begun before their renames');
    assert.equal(started(), 2);
    finish();
    await Promise.all(later);
    assert.equal(laterDone, 2);
    assert.equal(started(), 2);
  });

  it('an fsync error rejects every caller that shared it; the next caller gets a new fsync', async () => {
    const { layer, started, finish } = controlledLayer();
    const sync = new DirectorySync(layer, '/spool');
    const first = sync.sync();
    const shared = [sync.sync(), sync.sync()];
    finish();
    await first;
    await turn();
    assert.equal(started(), 2);
    finish(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    for (const p of shared) await assert.rejects(p, /EIO/);
    const next = sync.sync();
    await turn();
    assert.equal(started(), 3);
    finish();
    await next;
  });
});
