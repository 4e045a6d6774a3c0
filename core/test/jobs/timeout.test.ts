import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createHarness, type Harness, pidAlive, waitFor } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});

test('a job past timeout_seconds is stopped with its whole process group, marked timed_out, then repaired', async () => {
  const h = await createHarness({ limits: { timeout_seconds: 1 }, killGraceMs: 300 });
  harnesses.push(h);
  const grandchildPidFile = join(h.pm.root, 'grandchild.pid');
  await h.pm.setBehaviour({ sleepMs: 60_000, ignoreSigterm: true, grandchildPidFile });
  const job = await h.jobs.submit({ type: 'package_update', name: 'hello' }, null);
  await waitFor(async () => (await readFile(grandchildPidFile, 'utf8').catch(() => '')) !== '', 'the grandchild to start');
  const grandchild = Number(await readFile(grandchildPidFile, 'utf8'));
  assert.ok(pidAlive(grandchild));
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'timed_out');
  assert.equal(done?.error?.code, 'TIMEOUT');
  assert.ok(done?.finished_at);
  // The grandchild got SIGTERM with its group; the package manager ignored it and needed SIGKILL.
  await waitFor(() => !pidAlive(grandchild), 'the grandchild to be gone');
  assert.ok(done?.log.includes('ignoring SIGTERM'), done?.log.join('\n'));
  assert.equal((await h.pm.read()).counters?.repair, 1, 'repair ran once after the timeout');
  assert.ok(done?.log.some((line) => line.startsWith('repair: ')));
  assert.deepEqual(done?.changes, [], 'changes are still measured: nothing changed');
  assert.deepEqual((await h.pm.read()).installed, { hello: '1.0' });
});

test('a timed-out job still says what changed before it was stopped', async () => {
  const h = await createHarness({ limits: { timeout_seconds: 1 }, killGraceMs: 200 });
  harnesses.push(h);
  // The database changes first, then the package manager hangs (a stuck maintainer script).
  await h.pm.setBehaviour({ sleepMs: 60_000, applyFirst: true, alsoInstall: { extra: '2.0' } });
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'timed_out');
  assert.deepEqual(done?.changes, [
    { name: 'dep', action: 'installed', from_version: null, to_version: '1.0' },
    { name: 'extra', action: 'installed', from_version: null, to_version: '2.0' },
  ]);
});

test('a job that times out while waiting for the package-manager lock never runs its package manager', async () => {
  const h = await createHarness({ limits: { timeout_seconds: 1, max_concurrent: 2 }, killGraceMs: 200 });
  harnesses.push(h);
  await h.pm.setBehaviour({ sleepMs: 60_000 });
  const first = await h.jobs.submit({ type: 'package_update', name: 'hello' }, null);
  const second = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  // Whichever got the lock first ran and timed out; the other timed out still waiting for it.
  assert.equal(h.jobs.get(first.id)?.status, 'timed_out');
  assert.equal(h.jobs.get(second.id)?.status, 'timed_out');
  const events = await h.pm.events();
  assert.equal(events.filter((event) => event.startsWith('start')).length, 1, events.join('\n'));
  assert.deepEqual(h.jobs.get(first.id)?.changes, []);
  assert.deepEqual(h.jobs.get(second.id)?.changes, []);
  assert.equal((await h.pm.read()).counters?.repair, 1, 'only the job whose package manager ran is repaired');
});
