import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Job, JobUpdateKind } from '../../src/contracts/job.js';
import { createPluginHooks } from '../../src/hooks.js';
import { tapJobAudit } from '../../src/jobs/audit-tap.js';
import { createHarness, type Harness } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});

test('a beforeApply veto fails the job with the reason and nothing runs', async () => {
  const h = await createHarness();
  harnesses.push(h);
  const seen: { job: Job; plan: unknown }[] = [];
  createPluginHooks(h.hooks, h.logger).beforeApply.tap('change-window', (job, plan) => {
    seen.push({ job: job as Job, plan });
    return { reason: 'outside the change window' };
  });
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'failed');
  assert.equal(done?.error?.code, 'VETOED');
  assert.equal(done?.error?.message, 'outside the change window');
  assert.deepEqual(seen[0]?.plan, [{ name: 'dep', action: 'installed', from_version: null, to_version: '1.0' }]);
  assert.equal(seen[0]?.job.id, job.id);
  assert.deepEqual(await h.pm.events(), [], 'the package manager never ran');
  assert.deepEqual((await h.pm.read()).installed, { hello: '1.0' });
});

test('without beforeApply taps a mutation is not planned separately; with one, the plan is recorded', async () => {
  const h = await createHarness();
  harnesses.push(h);
  let plans = 0;
  const planInstall = h.backend.planInstall.bind(h.backend);
  h.backend.planInstall = (...args) => {
    plans += 1;
    return planInstall(...args);
  };
  const untapped = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  const done = h.jobs.get(untapped.id);
  assert.equal(done?.status, 'completed');
  assert.equal(plans, 0, 'no dependency resolution besides the real run');
  assert.equal(done?.plan, null);
  assert.deepEqual(done?.changes, [{ name: 'dep', action: 'installed', from_version: null, to_version: '1.0' }]);

  const tappedHarness = await createHarness();
  harnesses.push(tappedHarness);
  createPluginHooks(tappedHarness.hooks, tappedHarness.logger).beforeApply.tap('change-window', () => undefined);
  const tapped = await tappedHarness.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await tappedHarness.jobs.idle();
  assert.equal(tappedHarness.jobs.get(tapped.id)?.status, 'completed');
  assert.deepEqual(tappedHarness.jobs.get(tapped.id)?.plan, [
    { name: 'dep', action: 'installed', from_version: null, to_version: '1.0' },
  ]);
});

test('beforeMutation runs under the lock before the package manager, never for dry runs or vetoed jobs', async () => {
  const calls: { id: string; eventsSoFar: number; lockHeld: boolean }[] = [];
  let h: Harness | null = null;
  h = await createHarness({
    db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'], dep: ['1.0'] } },
    beforeMutation: async (job) => {
      const harness = h as Harness;
      calls.push({ id: job.id, eventsSoFar: (await harness.pm.events()).length, lockHeld: harness.lock.held });
    },
  });
  harnesses.push(h);
  const install = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(install.id)?.status, 'completed');
  assert.deepEqual(calls, [{ id: install.id, eventsSoFar: 0, lockHeld: true }]);

  const dryRun = await h.jobs.submit({ type: 'patch_apply', packages: null, security_only: false, dry_run: true }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(dryRun.id)?.status, 'completed');
  h.hooks.beforeApply.tap('closed', () => ({ reason: 'closed' }));
  const vetoed = await h.jobs.submit({ type: 'package_remove', name: 'hello' }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(vetoed.id)?.error?.code, 'VETOED');
  assert.equal(calls.length, 1, 'neither the dry run nor the vetoed job');
});

test('a beforeMutation that fails fails the job with nothing run', async () => {
  const h = await createHarness({
    beforeMutation: async () => {
      throw new Error('state directory is read-only');
    },
  });
  harnesses.push(h);
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(job.id)?.status, 'failed');
  assert.match(h.jobs.get(job.id)?.error?.message ?? '', /read-only/);
  assert.deepEqual(await h.pm.events(), []);
});

test('a beforeApply tap that throws counts as a veto (fails safe)', async () => {
  const h = await createHarness();
  harnesses.push(h);
  createPluginHooks(h.hooks, h.logger).beforeApply.tap('broken-guard', () => {
    throw new Error('guard crashed');
  });
  const job = await h.jobs.submit({ type: 'package_remove', name: 'hello' }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(job.id)?.error?.code, 'VETOED');
  assert.deepEqual(await h.pm.events(), []);
});

test('a beforeApply tap that never answers cannot hold the job past its timeout', async () => {
  const h = await createHarness({ limits: { timeout_seconds: 1 } });
  harnesses.push(h);
  createPluginHooks(h.hooks, h.logger).beforeApply.tap('stuck-guard', () => new Promise(() => {}));
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(job.id)?.status, 'timed_out');
  assert.deepEqual(await h.pm.events(), [], 'nothing ran');
});

test('onJobUpdate fires on every state and progress change; a throwing tap never breaks the job', async () => {
  const h = await createHarness({ db: { behaviour: { progressSteps: 4 } } });
  harnesses.push(h);
  h.hooks.onJobUpdate.tap('raw-broken', () => {
    throw new Error('raw tap broke');
  });
  createPluginHooks(h.hooks, h.logger).onJobUpdate.tap('plugin-broken', () => {
    throw new Error('plugin tap broke');
  });
  const seen: [string, JobUpdateKind, number][] = [];
  h.hooks.onJobUpdate.tap('recorder', (job, kind) => {
    seen.push([job.status, kind, job.progress]);
  });
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(job.id)?.status, 'completed');
  assert.deepEqual(seen[0], ['pending', 'created', 0]);
  assert.deepEqual(seen[1], ['running', 'started', 0]);
  assert.deepEqual(seen.at(-1), ['completed', 'finished', 100]);
  const progress = seen.filter(([, kind]) => kind === 'progress').map(([, , value]) => value);
  assert.ok(progress.length >= 3, `progress updates: ${progress}`);
  assert.deepEqual(
    progress,
    [...progress].sort((a, b) => a - b),
    'progress only grows',
  );
  assert.ok(progress.every((value) => value > 0 && value <= 100));
});

test('output lines reach onJobUpdate while the job runs (as log updates)', async () => {
  const h = await createHarness({ db: { behaviour: { sleepMs: 1200, progressSteps: 6, logLines: true } } });
  harnesses.push(h);
  const logUpdates: Job[] = [];
  h.hooks.onJobUpdate.tap('recorder', (job, kind) => {
    if (kind === 'log') logUpdates.push(job as Job);
  });
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  assert.ok(logUpdates.length >= 1 && logUpdates.length <= 6, `log updates: ${logUpdates.length}`);
  assert.equal(logUpdates[0]?.status, 'running');
  assert.match(logUpdates[0]?.log.at(-1) ?? '', /^working on install: step \d of 6$/);
  assert.equal(h.jobs.get(job.id)?.log.filter((line) => line.startsWith('working on')).length, 6);
});

test('the audit trail is a tap: state changes and the completion record with the measured changes', async () => {
  const h = await createHarness();
  harnesses.push(h);
  tapJobAudit(h.hooks, h.audit);
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  const events = h.audit.records.filter((record) => record.job_id === job.id).map((record) => record.event);
  assert.deepEqual(events.slice(0, 3), ['job_intent', 'job_update', 'job_update']);
  const completed = h.audit.records.find((record) => record.event === 'job_completed');
  assert.equal(completed?.status, 'completed');
  assert.deepEqual(completed?.changes, [{ name: 'dep', action: 'installed', from_version: null, to_version: '1.0' }]);
});
