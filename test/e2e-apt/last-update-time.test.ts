/**
 * /system/info's last_update_time comes from the package manager's own history (ROOT/var/log/dpkg.log):
 * the same after an agent restart, and moved by a dpkg install made outside the agent.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { DEP, HELLO } from '../support/sandbox/apt.js';
import { runTool } from '../support/sandbox/common.js';
import { type AptAgent, hostPackageState, startAptAgent } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent();
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

async function lastUpdateTime(): Promise<string | null> {
  const info = await agent.request('GET', '/system/info');
  assert.equal(info.status, 200, info.text);
  return info.json.data.last_update_time;
}

/** Waits for the wall clock's next second (dpkg.log stamps to the second); returns its start. */
async function nextSecond(): Promise<number> {
  const start = Math.floor(Date.now() / 1000) * 1000;
  while (Date.now() < start + 1000) await new Promise((resolve) => setTimeout(resolve, 50));
  return Math.floor(Date.now() / 1000) * 1000;
}

it('is null on a root dpkg never changed, then the time of the install a job made', async () => {
  assert.equal(await lastUpdateTime(), null);
  const before = Math.floor(Date.now() / 1000) * 1000;
  const job = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO, version: '1.0-1' }] });
  assert.equal(job.status, 'completed', JSON.stringify(job));
  const reported = await lastUpdateTime();
  assert.ok(reported !== null);
  assert.ok(Date.parse(reported) >= before && Date.parse(reported) <= Date.now(), reported);
});

it('survives an agent restart unchanged', async () => {
  const reported = await lastUpdateTime();
  const child = agent.process.child;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  await agent.restart();
  assert.equal(await lastUpdateTime(), reported);
});

it('follows an install made with dpkg outside the agent', async () => {
  const previous = await lastUpdateTime();
  const before = await nextSecond();
  // What `dpkg -i` does on that system: it logs to the root's own /var/log/dpkg.log.
  const root = agent.sandbox.root;
  await runTool('/usr/bin/dpkg', [
    `--root=${root}`,
    `--admindir=${join(root, 'var/lib/dpkg')}`,
    `--log=${join(root, 'var/log/dpkg.log')}`,
    '--force-script-chrootless',
    '-i',
    join(agent.sandbox.repos.main, `${DEP}_1.0-1_all.deb`),
  ]);
  assert.equal((await agent.sandbox.dpkgQuery()).get(DEP), '1.0-1');
  const reported = await lastUpdateTime();
  assert.ok(reported !== null && previous !== null);
  assert.ok(Date.parse(reported) >= before && Date.parse(reported) > Date.parse(previous), `${previous} → ${reported}`);
  assert.match(await readFile(join(root, 'var/log/dpkg.log'), 'utf8'), new RegExp(` install ${DEP}:all `));
});
