import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { HELLO, type HeldLock, holdFcntlLock } from '../support/sandbox/apt.js';
import { type AptAgent, hostPackageState, startAptAgent, versions } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
let holder: HeldLock | undefined;
before(async () => {
  agent = await startAptAgent({ config: { jobs: { lock_wait_seconds: 2 } } });
});
after(async () => {
  await holder?.release();
  await agent?.stop();
  hostUnchanged();
});

it("a job waits for another process's dpkg lock, then fails LOCKED naming that process", async () => {
  const lockFile = join(agent.sandbox.root, 'var/lib/dpkg/lock-frontend');
  // apt and dpkg use fcntl locks (flock(1) would not stop them): hold one the way apt does.
  holder = await holdFcntlLock(lockFile);

  const job = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(job.status, 'failed');
  assert.equal(job.error.code, 'LOCKED', JSON.stringify(job.error));
  assert.equal(job.error.details.pid, holder.pid);
  assert.match(job.error.message, new RegExp(String(holder.pid)));
  assert.ok(
    job.log.some((line: string) => line.includes('Waiting for cache lock')),
    `apt did not wait for the lock: ${job.log.join(' | ')}`,
  );
  assert.deepEqual(job.changes, []);
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), {});

  await holder.release();
  const retry = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(retry.status, 'completed', JSON.stringify(retry.error));
});
