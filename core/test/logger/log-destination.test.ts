import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../test/support/agent.js';
import { type FlushableDestination, TurnBatchedDestination } from '../../src/log-destination.js';

/** A destination that records each write it gets, and each flush. */
function recordingDestination() {
  const writes: string[] = [];
  const flushes: string[] = [];
  const target: FlushableDestination = {
    write: (text: string) => {
      writes.push(text);
    },
    flush: (callback) => {
      flushes.push('flush');
      callback?.();
    },
    flushSync: () => {
      flushes.push('flushSync');
    },
  };
  return { writes, flushes, target };
}

test('the lines of one turn reach the destination as one write, in order, at the end of the turn', async () => {
  const { writes, target } = recordingDestination();
  const destination = new TurnBatchedDestination(target);
  destination.write('a\n');
  destination.write('b\n');
  destination.write('c\n');
  assert.deepEqual(writes, [], 'nothing is written within the turn');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, ['a\nb\nc\n']);
  destination.write('d\n');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, ['a\nb\nc\n', 'd\n']);
});

test('flush and flushSync hand the pending lines on first, then flush the destination', async () => {
  const { writes, flushes, target } = recordingDestination();
  const destination = new TurnBatchedDestination(target);
  destination.write('a\n');
  await new Promise<void>((resolve) => destination.flush(() => resolve()));
  assert.deepEqual(writes, ['a\n']);
  destination.write('b\n');
  destination.flushSync();
  assert.deepEqual(writes, ['a\n', 'b\n']);
  assert.deepEqual(flushes, ['flush', 'flushSync']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, ['a\n', 'b\n'], 'nothing is written twice');
});

test('lines logged right before process.exit() still reach stdout', async () => {
  const script = `
    import { createLogger } from ${JSON.stringify(join(REPO_ROOT, 'core/src/logger.ts'))};
    const logger = createLogger({ level: 'info' });
    for (let n = 0; n < 500; n++) logger.info({ n }, 'line');
    process.exit(3);
  `;
  const child = promisify(execFile)(process.execPath, [
    '--conditions=lpa-source',
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    script,
  ]);
  const exit = await child.then(
    () => ({ code: 0, stdout: '' }),
    (error: { code: number; stdout: string }) => error,
  );
  assert.equal(exit.code, 3);
  const lines = exit.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { n: number });
  assert.deepEqual(
    lines.map((line) => line.n),
    Array.from({ length: 500 }, (_, n) => n),
  );
});
