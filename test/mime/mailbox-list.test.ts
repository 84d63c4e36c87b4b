import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMailboxList } from '../../src/mime/mailbox-list.js';

test('well-formed mailbox lists', () => {
  assert.deepEqual(parseMailboxList('alice@example.org'), [{ address: 'alice@example.org' }]);
  assert.deepEqual(parseMailboxList('"Doe, John" <john@example.org> (comment)'), [{ name: 'Doe, John', address: 'john@example.org' }]);
  assert.equal(parseMailboxList('a@example.org, B <b@example.net>')?.length, 2);
  assert.ok(parseMailboxList('"quoted local"@example.org'));
});

test('malformed addresses', () => {
  for (const bad of ['', 'alice', 'alice@', '@example.org', 'Alice <alice>', 'a@b@', 'a@example.org,', 'a b@example.org', '<a@-bad-.org>']) {
    assert.equal(parseMailboxList(bad), undefined, bad);
  }
});
