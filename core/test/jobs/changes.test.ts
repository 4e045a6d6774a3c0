import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { InstalledPackage } from '../../src/contracts/backend.js';
import { diffInstalled } from '../../src/jobs/changes.js';
import { createHarness, type Harness } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});

const pkg = (name: string, version: string): InstalledPackage => ({
  name,
  version,
  architecture: 'all',
  status: 'installed',
  description: null,
  installed_size: null,
});

test('diffInstalled classifies with the backend version order, not string order', () => {
  const numeric = (a: string, b: string) => Number(a) - Number(b);
  const changes = diffInstalled(
    [pkg('up', '9'), pkg('down', '10'), pkg('gone', '1'), pkg('same', '1')],
    [pkg('up', '10'), pkg('down', '9'), pkg('same', '1'), pkg('new', '3')],
    numeric,
  );
  assert.deepEqual(changes, [
    { name: 'down', action: 'downgraded', from_version: '10', to_version: '9' },
    { name: 'gone', action: 'removed', from_version: '1', to_version: null },
    { name: 'new', action: 'installed', from_version: null, to_version: '3' },
    { name: 'up', action: 'upgraded', from_version: '9', to_version: '10' },
  ]);
});

test('changes say what the package manager did, not what the request asked for', async () => {
  const h = await createHarness({
    db: {
      installed: { hello: '1.0' },
      repo: { hello: ['1.0', '1.1'], dep: ['1.0'] },
      behaviour: { versionOverride: { hello: '1.0.5' }, alsoInstall: { dep: '1.0' } },
    },
  });
  harnesses.push(h);
  // A tap makes the job plan, so the plan and the measured changes can be told apart.
  h.hooks.beforeApply.tap('pass', () => undefined);
  const job = await h.jobs.submit({ type: 'package_update', name: 'hello', version: '1.1' }, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'completed');
  assert.equal(done?.progress, 100);
  assert.deepEqual(done?.plan, [{ name: 'hello', action: 'upgraded', from_version: '1.0', to_version: '1.1' }]);
  assert.deepEqual(done?.changes, [
    { name: 'dep', action: 'installed', from_version: null, to_version: '1.0' },
    { name: 'hello', action: 'upgraded', from_version: '1.0', to_version: '1.0.5' },
  ]);
  assert.ok(done?.log.some((line) => line.includes('dependency')));
});

test('a failed job still records what changed before it failed', async () => {
  const h = await createHarness({ db: { installed: { hello: '1.0' }, behaviour: { exitCode: 1 } } });
  harnesses.push(h);
  const job = await h.jobs.submit({ type: 'package_remove', name: 'hello' }, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'failed');
  assert.equal(done?.error?.code, 'BACKEND_ERROR');
  assert.deepEqual(done?.changes, [{ name: 'hello', action: 'removed', from_version: '1.0', to_version: null }]);
});
