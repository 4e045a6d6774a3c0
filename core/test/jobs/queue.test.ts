import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runsOverlapped } from '../../../test/support/fake-package-manager/index.js';
import { isLpaError } from '../../src/errors.js';
import { createHarness, type Harness, waitFor } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});
async function harness(...args: Parameters<typeof createHarness>) {
  const h = await createHarness(...args);
  harnesses.push(h);
  return h;
}

test('mutations never overlap even when several jobs run at once', async () => {
  const h = await harness({
    limits: { max_concurrent: 3 },
    db: { installed: {}, repo: { a: ['1.0'], b: ['1.0'], c: ['1.0'] }, behaviour: { sleepMs: 300 } },
  });
  const jobs = await Promise.all(
    ['a', 'b', 'c'].map((name) => h.jobs.submit({ type: 'package_install', packages: [{ name }] }, null)),
  );
  await waitFor(() => h.jobs.list({ status: 'running' }).length === 3, 'three running jobs');
  await h.jobs.idle();
  for (const job of jobs) assert.equal(h.jobs.get(job.id)?.status, 'completed');
  const events = await h.pm.events();
  assert.equal(events.filter((e) => e.startsWith('start')).length, 3);
  assert.equal(runsOverlapped(events), false, events.join('\n'));
  assert.deepEqual((await h.pm.read()).installed, { a: '1.0', b: '1.0', c: '1.0' });
});

test('at most max_concurrent jobs run; the rest wait as pending', async () => {
  const h = await harness({ limits: { max_concurrent: 1 }, db: { behaviour: { sleepMs: 400 } } });
  const first = await h.jobs.submit({ type: 'package_update', name: 'hello' }, null);
  const second = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await waitFor(() => h.jobs.get(first.id)?.status === 'running', 'first job running');
  assert.equal(h.jobs.get(second.id)?.status, 'pending');
  await h.jobs.idle();
  assert.equal(h.jobs.get(second.id)?.status, 'completed');
  const [newest, oldest] = h.jobs.list();
  assert.equal(newest?.id, second.id, 'newest first');
  assert.equal(oldest?.id, first.id);
  assert.deepEqual(
    h.jobs.list({ type: 'package_install' }).map((job) => job.id),
    [second.id],
  );
});

test('more than max_queued pending jobs is QUEUE_FULL', async () => {
  const h = await harness({ limits: { max_concurrent: 1, max_queued: 1 }, db: { behaviour: { sleepMs: 60_000 } } });
  const running = await h.jobs.submit({ type: 'package_update', name: 'hello' }, null);
  await waitFor(() => h.jobs.get(running.id)?.status === 'running', 'first job running');
  await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await assert.rejects(
    h.jobs.submit({ type: 'package_remove', name: 'hello' }, null),
    (error) => isLpaError(error, 'LPA_ERR_QUEUE_FULL') && error.status === 429 && error.apiCode === 'QUEUE_FULL',
  );
  assert.equal(h.jobs.list().length, 2, 'the refused job does not exist');
  await h.jobs.stop(0);
});

test('reads never wait behind a running mutation', async () => {
  const h = await harness({ db: { behaviour: { sleepMs: 60_000 } } });
  const job = await h.jobs.submit({ type: 'package_update', name: 'hello' }, null);
  await waitFor(() => h.lock.held, 'the package-manager lock to be taken');
  const installed = await h.backend.listInstalled();
  const upgrades = await h.backend.listUpgrades();
  assert.equal(installed.find((pkg) => pkg.name === 'hello')?.version, '1.0');
  assert.equal(upgrades.length, 1);
  assert.equal(h.jobs.get(job.id)?.status, 'running', 'the read finished while the mutation still ran');
  await h.jobs.stop(0);
});

test('names and versions are validated before anything is queued or run', async () => {
  const h = await harness();
  for (const request of [
    { type: 'package_install' as const, packages: [{ name: '-oAPT::Foo=1' }] },
    { type: 'package_install' as const, packages: [{ name: 'hello', version: '1.0; rm -rf /' }] },
    { type: 'package_remove' as const, name: 'he llo' },
    { type: 'patch_apply' as const, packages: ['../etc'], security_only: false, dry_run: false },
  ]) {
    await assert.rejects(h.jobs.submit(request, null), (error) => isLpaError(error, 'LPA_ERR_VALIDATION'));
  }
  assert.equal(h.jobs.list().length, 0);
  assert.deepEqual(await h.pm.events(), []);
  assert.equal(h.audit.records.length, 0, 'no intent recorded for refused input');
});

test('the durable intent record is written before the job is accepted; without it nothing runs', async () => {
  const h = await harness();
  h.audit.failDurable = true;
  await assert.rejects(
    h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null),
    (error) => isLpaError(error, 'LPA_ERR_AUDIT_UNAVAILABLE') && error.status === 503,
  );
  assert.equal(h.jobs.list().length, 0);
  h.audit.failDurable = false;
  const client = { cn: 'admin', serial: '01', fingerprint256: 'AA' };
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep', version: '1.0' }] }, client);
  const intent = h.audit.records.find((record) => record.event === 'job_intent');
  assert.deepEqual(intent?.request, { packages: [{ name: 'dep', version: '1.0' }] });
  assert.equal(intent?.job_id, job.id);
  assert.deepEqual(intent?.client, client);
  assert.equal(job.client, 'admin');
  await h.jobs.idle();
  assert.deepEqual(await h.pm.events().then((e) => e.length), 2);
  const completed = h.audit.records.find((record) => record.event === 'job_completed');
  assert.equal(completed, undefined, 'without the audit tap the manager itself writes no completion record');
});

test('a package-manager lock held by another process fails the job with LOCKED and the holder pid', async () => {
  const h = await harness({ limits: { lock_wait_seconds: 1 } });
  await h.pm.holdForeignLock(process.pid);
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'failed');
  assert.equal(done?.error?.code, 'LOCKED');
  assert.equal(done?.error?.details?.pid, process.pid);
  assert.deepEqual((await h.pm.read()).installed, { hello: '1.0' });
});

test('requests arriving together cannot overfill the queue while their intent records are written', async () => {
  const h = await harness({ limits: { max_concurrent: 1, max_queued: 2 }, db: { behaviour: { sleepMs: 60_000 } } });
  const running = await h.jobs.submit({ type: 'package_update', name: 'hello' }, null);
  await waitFor(() => h.jobs.get(running.id)?.status === 'running', 'first job running');
  const results = await Promise.allSettled(
    Array.from({ length: 5 }, () => h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null)),
  );
  assert.equal(results.filter((result) => result.status === 'fulfilled').length, 2);
  assert.ok(
    results.every((result) => result.status === 'fulfilled' || isLpaError(result.reason, 'LPA_ERR_QUEUE_FULL')),
    'the others are QUEUE_FULL',
  );
  assert.equal(h.jobs.list({ status: 'pending' }).length, 2);
  await h.jobs.stop(0);
});
