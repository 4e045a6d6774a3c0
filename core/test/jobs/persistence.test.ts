import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Job } from '../../src/contracts/job.js';
import { JobManager } from '../../src/jobs/job-manager.js';
import { createHarness, type Harness, waitFor } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});

function oldJob(status: Job['status']): Job {
  return {
    id: randomUUID(),
    type: 'package_install',
    status,
    progress: 40,
    progress_message: null,
    created_at: '2026-01-01T00:00:00Z',
    started_at: status === 'pending' ? null : '2026-01-01T00:00:01Z',
    finished_at: status === 'completed' ? '2026-01-01T00:00:09Z' : null,
    request: { packages: [{ name: 'hello' }] },
    client: 'admin',
    changes: [],
    plan: null,
    plan_hash: null,
    log: [],
    error: null,
    rollback_of: null,
    rolled_back_by: null,
  };
}

test('job records are written atomically to state_dir/jobs/<id>.json', async () => {
  const h = await createHarness();
  harnesses.push(h);
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  const file = join(h.stateDir, 'jobs', `${job.id}.json`);
  await waitFor(async () => JSON.parse(await readFile(file, 'utf8')).status === 'completed', 'the finished record on disk');
  const stored = JSON.parse(await readFile(file, 'utf8')) as Job;
  assert.deepEqual(stored.changes, h.jobs.get(job.id)?.changes);
  assert.deepEqual(
    (await readdir(join(h.stateDir, 'jobs'))).filter((name) => name.includes('.tmp') || !name.endsWith('.json')),
    [],
    'no temporary files left behind',
  );
});

test('at start, running and pending jobs are audited as interrupted, repair runs once, the directory is cleared', async () => {
  const h = await createHarness({ start: false });
  harnesses.push(h);
  const dir = join(h.stateDir, 'jobs');
  await mkdir(dir, { recursive: true });
  const running = oldJob('running');
  const pending = oldJob('pending');
  const completed = oldJob('completed');
  for (const job of [running, pending, completed]) await writeFile(join(dir, `${job.id}.json`), JSON.stringify(job));
  await writeFile(join(dir, `${randomUUID()}.json`), '{broken');
  const interrupted = await h.jobs.start();
  assert.deepEqual(interrupted.map((job) => job.id).sort(), [running.id, pending.id].sort());
  const records = h.audit.records.filter((record) => record.event === 'job_interrupted');
  assert.deepEqual(records.map((record) => record.job_id).sort(), [running.id, pending.id].sort());
  assert.equal(records.find((record) => record.job_id === running.id)?.status, 'running');
  assert.equal((await h.pm.read()).counters?.repair, 1);
  assert.deepEqual(await readdir(dir), []);
  assert.equal(h.jobs.list().length, 0, 'old records do not come back');
});

test('no repair when nothing was running at the last stop', async () => {
  const h = await createHarness({ start: false });
  harnesses.push(h);
  const dir = join(h.stateDir, 'jobs');
  await mkdir(dir, { recursive: true });
  const pending = oldJob('pending');
  await writeFile(join(dir, `${pending.id}.json`), JSON.stringify(pending));
  await h.jobs.start();
  assert.equal((await h.pm.read()).counters?.repair, undefined);
  assert.equal(h.audit.records.filter((record) => record.event === 'job_interrupted').length, 1);
});

test('finished jobs expire after retention_seconds, in memory and on disk', async () => {
  const h = await createHarness({ limits: { retention_seconds: 60 } });
  harnesses.push(h);
  const job = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  const file = join(h.stateDir, 'jobs', `${job.id}.json`);
  h.clock.offsetMs = 59_000;
  assert.ok(h.jobs.get(job.id), 'kept within retention');
  h.clock.offsetMs = 61_000;
  assert.equal(h.jobs.get(job.id), null);
  assert.equal(h.jobs.list().length, 0);
  await waitFor(() => !existsSync(file), 'the record file to be deleted');
});

test('a running job does not expire however old it is', async () => {
  const h = await createHarness({ limits: { retention_seconds: 1 }, db: { behaviour: { sleepMs: 800 } } });
  harnesses.push(h);
  const job = await h.jobs.submit({ type: 'package_update', name: 'hello' }, null);
  await waitFor(() => h.jobs.get(job.id)?.status === 'running', 'the job to run');
  h.clock.offsetMs = 3_600_000;
  assert.equal(h.jobs.get(job.id)?.status, 'running');
  await h.jobs.idle();
});

test('stop: pending jobs are cancelled, a job still running past the bound is recorded as interrupted', async () => {
  const h = await createHarness({ limits: { max_concurrent: 1 }, db: { behaviour: { sleepMs: 30_000 } } });
  harnesses.push(h);
  const running = await h.jobs.submit({ type: 'package_update', name: 'hello' }, null);
  const pending = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await waitFor(() => h.lock.held, 'the package manager to run');
  await h.jobs.stop(200);
  assert.equal(h.jobs.get(pending.id)?.status, 'failed');
  assert.equal(h.jobs.get(pending.id)?.error?.code, 'CANCELLED');
  const interrupted = h.audit.records.filter((record) => record.event === 'job_interrupted');
  assert.deepEqual(
    interrupted.map((record) => [record.job_id, record.phase]),
    [[running.id, 'agent_stop']],
  );
  await assert.rejects(h.jobs.submit({ type: 'package_remove', name: 'hello' }, null), /stopping/);
  // Its record stays `running` on disk and nothing was repaired on the way out: the next start does it.
  const stored = JSON.parse(await readFile(join(h.stateDir, 'jobs', `${running.id}.json`), 'utf8')) as Job;
  assert.equal(stored.status, 'running');
  assert.equal((await h.pm.read()).counters?.repair, undefined);
  const next = new JobManager({
    stateDir: h.stateDir,
    backend: () => h.backend,
    cache: h.cache,
    lock: h.lock,
    hooks: h.hooks,
    audit: () => h.audit,
    logger: h.logger,
    limits: () => h.limits,
  });
  const interruptedAtStart = await next.start();
  assert.deepEqual(
    interruptedAtStart.map((job) => job.id),
    [running.id],
  );
  assert.equal((await h.pm.read()).counters?.repair, 1);
  await next.stop(0);
});
