import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createFakePackageManager, type FakePackageManager } from '../../../test/support/fake-package-manager/index.js';
import { planExecution, planSteps } from '../../src/jobs/plan-execution.js';
import { ProcessRunner } from '../../src/runner/process-runner.js';
import { createOperationContext } from '../../src/testing/operation-context.js';

let pm: FakePackageManager;
before(async () => {
  pm = await createFakePackageManager({
    installed: { hello: '1.0', tool: '2.0' },
    repo: { hello: ['1.0', '1.1', '1.2'], tool: ['2.0'], dep: ['1.0'] },
  });
});
after(() => pm.cleanup());

const PLAN = [
  { name: 'tool', action: 'removed' as const, from_version: '2.0', to_version: null },
  { name: 'hello', action: 'upgraded' as const, from_version: '1.0', to_version: '1.1' },
  { name: 'dep', action: 'installed' as const, from_version: null, to_version: '1.0' },
];

test('a plan becomes removals by name and every other change as a name+version pin', () => {
  assert.deepEqual(planSteps(PLAN), {
    remove: ['tool'],
    install: [
      { name: 'hello', version: '1.1' },
      { name: 'dep', version: '1.0' },
    ],
  });
});

test('run again after a download failure, a plan does not repeat the removal that went through', async () => {
  const backend = pm.backend(new ProcessRunner());
  await pm.setBehaviour({ fetchFailures: 1 });
  const run = planExecution(backend, PLAN, []);
  await assert.rejects(run(createOperationContext()), (error: { code?: string }) => error.code === 'LPA_ERR_FETCH');
  assert.deepEqual((await pm.read()).installed, { hello: '1.0' }, 'the removal went through, the install did not');
  await run(createOperationContext());
  assert.deepEqual((await pm.read()).installed, { hello: '1.1', dep: '1.0' });
  const kinds = (await pm.events()).filter((event) => event.startsWith('start')).map((event) => event.split(' ')[2]);
  assert.deepEqual(kinds, ['remove', 'install', 'install']);
});
