import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byName } from '../../src/name-order.js';

test('records are ordered by name in code-unit order, as the package tools list them', () => {
  const names = ['libfoo', 'Zlib', 'lib-foo', 'apt', 'lib+foo', 'a'];
  const sorted = names.map((name) => ({ name })).sort(byName);
  assert.deepEqual(
    sorted.map((record) => record.name),
    ['Zlib', 'a', 'apt', 'lib+foo', 'lib-foo', 'libfoo'],
  );
  assert.equal(byName({ name: 'same' }, { name: 'same' }), 0);
});
