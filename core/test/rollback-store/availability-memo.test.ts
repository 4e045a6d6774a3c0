import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RollbackFiles } from '../../src/contracts/backend.js';
import { AvailabilityMemo } from '../../src/rollback-store/verdict.js';

it('asks the backend once per name and version, however many verdicts share the memo', async () => {
  const asked: string[] = [];
  const files: RollbackFiles = {
    obtainInstalled: async () => null,
    availability: async (name, version) => {
      asked.push(`${name}=${version}`);
      return name === 'hello' ? 'repo' : 'none';
    },
    installFiles: async () => ({ output: '' }),
  };
  const memo = new AvailabilityMemo();
  const answers = await Promise.all([
    memo.ask(files, 'hello', '1.0-1'),
    memo.ask(files, 'hello', '1.0-1'),
    memo.ask(files, 'sec', '1.0-1'),
    memo.ask(files, 'hello', '1.1-1'),
  ]);
  assert.deepEqual(answers, ['repo', 'repo', 'none', 'repo']);
  assert.deepEqual(await memo.ask(files, 'sec', '1.0-1'), 'none');
  assert.deepEqual(asked, ['hello=1.0-1', 'sec=1.0-1', 'hello=1.1-1']);
});
