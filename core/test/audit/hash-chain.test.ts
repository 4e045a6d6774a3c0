import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { chainAuditLine, hashAuditLine } from '../../src/audit/hash-chain.js';
import type { AuditRecord } from '../../src/contracts/audit.js';

const record = {
  event: 'api_request',
  timestamp: '2026-11-22T03:00:00.000Z',
  path: '/packages/"quoted"\\',
  nested: { a: [1, null] },
} as unknown as AuditRecord;

test('a chained line is the record as JSON with prev_hash added last', () => {
  const hash = 'ab'.repeat(32);
  assert.equal(chainAuditLine(record, hash), JSON.stringify({ ...record, prev_hash: hash }));
  assert.equal(chainAuditLine(record, null), JSON.stringify({ ...record, prev_hash: null }));
  assert.deepEqual(Object.keys(JSON.parse(chainAuditLine(record, hash))).at(-1), 'prev_hash');
});

test('a prev_hash the record already carries is replaced, never written twice', () => {
  const forged = { ...record, prev_hash: 'forged' } as AuditRecord;
  const line = chainAuditLine(forged, 'cd'.repeat(32));
  assert.equal(line.match(/"prev_hash"/g)?.length, 1);
  assert.equal(JSON.parse(line).prev_hash, 'cd'.repeat(32));
});

test("a line's hash is the SHA-256 (hex) of its UTF-8 bytes, also for text beyond ASCII", () => {
  for (const line of ['{"event":"agent_start"}', '{"path":"/packages/ünïcode-€-😀"}']) {
    assert.equal(hashAuditLine(line), createHash('sha256').update(Buffer.from(line, 'utf8')).digest('hex'));
  }
});
