import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { HELLO } from '../support/sandbox/apt.js';
import { type AptAgent, hostPackageState, startAptAgent, versions } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
let holder: ChildProcess | undefined;
before(async () => {
  agent = await startAptAgent({ config: { jobs: { lock_wait_seconds: 2 } } });
});
after(async () => {
  holder?.kill('SIGKILL');
  await agent?.stop();
  hostUnchanged();
});

it("a job waits for another process's dpkg lock, then fails LOCKED naming that process", async () => {
  const lockFile = join(agent.sandbox.root, 'var/lib/dpkg/lock-frontend');
  // apt and dpkg use fcntl locks (flock(1) would not stop them): hold one the way apt does.
  holder = spawn(
    '/usr/bin/python3',
    [
      '-c',
      'import fcntl,sys,time\nf=open(sys.argv[1],"a+")\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint("locked",flush=True)\ntime.sleep(600)',
      lockFile,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    holder!.stdout!.once('data', () => resolve());
    holder!.once('exit', () => reject(new Error('the lock holder exited')));
  });

  const job = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(job.status, 'failed');
  assert.equal(job.error.code, 'LOCKED', JSON.stringify(job.error));
  assert.equal(job.error.details.pid, holder.pid);
  assert.match(job.error.message, new RegExp(String(holder.pid)));
  assert.deepEqual(job.changes, []);
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), {});

  holder.kill('SIGKILL');
  await new Promise((resolve) => holder!.once('exit', resolve));
  const retry = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(retry.status, 'completed', JSON.stringify(retry.error));
});
