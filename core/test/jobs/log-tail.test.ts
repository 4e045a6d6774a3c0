import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogTail } from '../../src/jobs/log-tail.js';

test('the log tail keeps the last 200 lines, each at most 1000 characters, in the job record itself', () => {
  const target: string[] = [];
  const tail = new LogTail(target);
  for (let i = 0; i < 250; i++) tail.push(`line ${i}`);
  tail.push('x'.repeat(5000));
  assert.equal(target.length, 200);
  assert.equal(target[0], 'line 51');
  assert.equal(target.at(-2), 'line 249');
  assert.equal(target.at(-1), `${'x'.repeat(1000)}…`);
  assert.deepEqual(tail.lines(), target);
});
