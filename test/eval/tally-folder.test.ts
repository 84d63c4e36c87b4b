/** tallyFolder: per-folder and per-sub-folder counts of actions and finding ids, slowest scan. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ScanLine } from '../../eval/scan-corpus.js';
import { TOP_LEVEL, tallyFolder } from '../../eval/tally-folder.js';

function line(file: string, action: string, ids: readonly string[], ms = 1): ScanLine {
  return { file, action, score: 0, rule: 'score', findings: ids.map((id) => ({ id, score: 1, detail: '' })), ms };
}

test('counts actions and finding ids per folder and per immediate sub-folder', () => {
  const root = join('corpus', 'sa');
  const { total, subfolders } = tallyFolder(root, [
    line(join(root, 'spam-1', 'a'), 'tag', ['HEADER_DATE_INVALID', 'HEADER_DATE_INVALID', 'SIZE_LINE_TOO_LONG'], 5),
    line(join(root, 'spam-1', 'deeper', 'b'), 'accept', ['HEADER_DATE_INVALID'], 2),
    line(join(root, 'easy-ham-1', 'c'), 'accept', [], 9),
    line(join(root, 'labels'), 'accept', []),
  ]);
  assert.equal(total.messages, 4);
  assert.deepEqual(total.actions, { tag: 1, accept: 3 });
  // A message counts once per id, however many times the id occurs in it.
  assert.deepEqual(total.findings, { HEADER_DATE_INVALID: 2, SIZE_LINE_TOO_LONG: 1 });
  assert.equal(total.slowestMs, 9);
  assert.equal(total.slowestFile, join(root, 'easy-ham-1', 'c'));
  assert.deepEqual([...subfolders.keys()].sort(), [TOP_LEVEL, 'easy-ham-1', 'spam-1'].sort());
  assert.equal(subfolders.get('spam-1')?.messages, 2);
  assert.deepEqual(subfolders.get('spam-1')?.findings, { HEADER_DATE_INVALID: 2, SIZE_LINE_TOO_LONG: 1 });
  assert.deepEqual(subfolders.get('easy-ham-1')?.actions, { accept: 1 });
  assert.equal(subfolders.get(TOP_LEVEL)?.messages, 1);
});

test('a folder without sub-folders has no breakdown', () => {
  const { total, subfolders } = tallyFolder('flat', [line(join('flat', 'a'), 'reject', ['SPAM_GTUBE']), line(join('flat', 'b'), 'accept', [])]);
  assert.equal(total.messages, 2);
  assert.deepEqual(total.actions, { reject: 1, accept: 1 });
  assert.equal(subfolders.size, 0);
});
