import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createHarness, type Harness } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});
async function harness(...args: Parameters<typeof createHarness>) {
  const h = await createHarness(...args);
  harnesses.push(h);
  return h;
}

const twoUpdates = {
  installed: { hello: '1.0', tool: '2.0' },
  repo: { hello: ['1.0', '1.1'], tool: ['2.0', '2.1'] },
  security: { hello: true, tool: false },
};
const all = { type: 'patch_apply' as const, packages: null, security_only: false, dry_run: false };
const kinds = (events: string[]) => events.map((event) => event.split(' ').at(-1));

test('every patch_apply refreshes the package index first', async () => {
  const h = await harness({ db: twoUpdates });
  const job = await h.jobs.submit(all, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(job.id)?.status, 'completed');
  assert.deepEqual(kinds(await h.pm.events()), ['refresh', 'refresh', 'upgrade', 'upgrade']);
  assert.equal(h.cache.status(), 'fresh');
  assert.deepEqual((await h.pm.read()).installed, { hello: '1.1', tool: '2.1' });
});

test('a failed refresh fails the job before anything is applied', async () => {
  const h = await harness({ db: { ...twoUpdates, behaviour: { refreshFailures: 1 } } });
  const job = await h.jobs.submit(all, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'failed');
  assert.match(done?.error?.message ?? '', /refresh failed/);
  assert.deepEqual(kinds(await h.pm.events()), ['refresh', 'refresh']);
  assert.deepEqual((await h.pm.read()).installed, twoUpdates.installed);
  assert.equal(h.cache.status(), 'failed');
});

test('a fetch error during the apply gets one more refresh and one retry', async () => {
  const h = await harness({ db: { ...twoUpdates, behaviour: { fetchFailures: 1 } } });
  const job = await h.jobs.submit(all, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'completed', JSON.stringify(done?.error));
  assert.deepEqual(kinds(await h.pm.events()), [
    'refresh',
    'refresh',
    'upgrade',
    'upgrade',
    'refresh',
    'refresh',
    'upgrade',
    'upgrade',
  ]);
  assert.equal((await h.pm.read()).counters?.refresh, 2);
  assert.deepEqual(
    done?.changes.map((change) => change.name),
    ['hello', 'tool'],
  );
});

test('only one retry: a second fetch error fails the job', async () => {
  const h = await harness({ db: { ...twoUpdates, behaviour: { fetchFailures: 5 } } });
  const job = await h.jobs.submit(all, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'failed');
  assert.equal(done?.error?.code, 'BACKEND_ERROR');
  assert.equal((await h.pm.read()).counters?.refresh, 2);
  assert.equal((await h.pm.read()).behaviour.fetchFailures, 3, 'exactly two apply attempts');
});

test('a fetch error in a package install is not retried (only patch_apply refreshes)', async () => {
  const h = await harness({ db: { behaviour: { fetchFailures: 1 } } });
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(job.id)?.status, 'failed');
  assert.equal((await h.pm.read()).counters?.refresh, undefined);
});

test('a dry run returns the plan in the job and changes nothing', async () => {
  const h = await harness({ db: twoUpdates });
  const job = await h.jobs.submit({ ...all, dry_run: true }, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'completed');
  assert.deepEqual(done?.plan, [
    { name: 'hello', action: 'upgraded', from_version: '1.0', to_version: '1.1' },
    { name: 'tool', action: 'upgraded', from_version: '2.0', to_version: '2.1' },
  ]);
  assert.deepEqual(done?.changes, []);
  assert.deepEqual((await h.pm.read()).installed, twoUpdates.installed);
  assert.deepEqual(kinds(await h.pm.events()), ['refresh', 'refresh']);
});

test('security_only and a package list narrow what is applied', async () => {
  const h = await harness({ db: twoUpdates });
  const security = await h.jobs.submit({ ...all, security_only: true }, null);
  await h.jobs.idle();
  assert.deepEqual(
    h.jobs.get(security.id)?.changes.map((change) => change.name),
    ['hello'],
  );
  const h2 = await harness({ db: twoUpdates });
  const named = await h2.jobs.submit({ ...all, packages: ['tool'] }, null);
  await h2.jobs.idle();
  assert.deepEqual(
    h2.jobs.get(named.id)?.changes.map((change) => change.name),
    ['tool'],
  );
});
