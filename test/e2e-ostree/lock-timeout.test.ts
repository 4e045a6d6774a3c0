import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { waitFor } from '../support/wait.js';
import { deploymentSummary, hostOstreeState, type OstreeAgent, startOstreeAgent } from './support.js';

const hostUnchanged = hostOstreeState();
const agents: OstreeAgent[] = [];
const holders: ChildProcess[] = [];
after(async () => {
  for (const holder of holders) release(holder);
  for (const agent of agents) await agent.stop();
  hostUnchanged();
});

const JOBS = { max_concurrent: 5, max_queued: 100, retention_seconds: 86400 };

function release(holder: ChildProcess): void {
  try {
    if (holder.pid !== undefined) process.kill(-holder.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const locksHeldBy = async (pid: number | undefined) => (await readFile('/proc/locks', 'utf8')).includes(` ${pid} `);

/** Another process holding the sysroot lock, as an admin's `ostree admin upgrade` or rpm-ostreed would. */
async function holdSysrootLock(agent: OstreeAgent): Promise<ChildProcess> {
  const lock = join(agent.sandbox.root, 'ostree/lock');
  // In its own process group: the sleep that flock starts inherits the locked file and must go too.
  const holder = spawn('/usr/bin/flock', ['--exclusive', lock, '/usr/bin/sleep', '300'], { stdio: 'ignore', detached: true });
  holders.push(holder);
  await waitFor(
    async () => (await import('node:fs/promises')).readFile('/proc/locks', 'utf8').then((t) => t.includes(` ${holder.pid} `)),
    {
      what: 'flock to take the sysroot lock',
    },
  );
  return holder;
}

it('a sysroot lock held by another process is waited for lock_wait_seconds, then the apply fails LOCKED naming the holder', async () => {
  const agent = await startOstreeAgent({ config: { jobs: { ...JOBS, timeout_seconds: 600, lock_wait_seconds: 1 } } });
  agents.push(agent);
  const holder = await holdSysrootLock(agent);
  const job = await agent.runJob('POST', '/patches/apply');
  assert.equal(job.status, 'failed');
  assert.equal(job.error.code, 'LOCKED', JSON.stringify(job.error));
  assert.equal(job.error.details.pid, holder.pid);
  assert.deepEqual(deploymentSummary((await agent.request('GET', '/deployments')).json.data.deployments), ['0 1.0 booted']);

  release(holder);
  await waitFor(async () => !(await locksHeldBy(holder.pid)), { what: 'the lock holder to let go' });
  const retry = await agent.runJob('POST', '/patches/apply');
  assert.equal(retry.status, 'completed', JSON.stringify(retry.error));
  assert.deepEqual(deploymentSummary((await agent.request('GET', '/deployments')).json.data.deployments), [
    '0 1.1 pending',
    '1 1.0 booted',
  ]);
});

it('a job past timeout_seconds is stopped as timed_out, and nothing was deployed', async () => {
  const agent = await startOstreeAgent({ config: { jobs: { ...JOBS, timeout_seconds: 1, lock_wait_seconds: 2 } } });
  agents.push(agent);
  await holdSysrootLock(agent);
  const job = await agent.runJob('POST', '/deployments', { ref: 'lpa/x86_64/dev' });
  assert.equal(job.status, 'timed_out', JSON.stringify(job));
  assert.equal(job.error.code, 'TIMEOUT');
  assert.deepEqual(job.changes, []);
  assert.deepEqual(deploymentSummary((await agent.request('GET', '/deployments')).json.data.deployments), ['0 1.0 booted']);
});
