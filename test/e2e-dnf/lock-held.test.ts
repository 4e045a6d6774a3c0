import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ config: { jobs: { lock_wait_seconds: 1 } } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it("a job fails after the lock wait, naming the holder's pid, and leaves the lock file alone", async () => {
  const lockDir = join(agent.sandbox.root, 'var/lib/dnf');
  await mkdir(lockDir, { recursive: true });
  const lockFile = join(lockDir, 'rpmdb_lock.pid');
  const holder = spawn('/usr/bin/sleep', ['300'], { stdio: 'ignore' });
  try {
    await writeFile(lockFile, String(holder.pid));
    const patches = await agent.request('GET', '/patches');
    assert.equal(patches.status, 200, `reads answer while the lock is held: ${patches.text}`);
    const job = await agent.runJob('POST', '/packages', { packages: [{ name: SEC }] });
    assert.equal(job.status, 'failed');
    assert.equal(job.error.code, 'LOCKED', JSON.stringify(job.error));
    assert.equal(job.error.details.pid, holder.pid);
    assert.match(job.error.message, new RegExp(String(holder.pid)));
    assert.ok(existsSync(lockFile), "another process's lock file is never removed");
    assert.equal((await agent.sandbox.installed()).has(SEC), false);
  } finally {
    holder.kill('SIGKILL');
  }
});
