import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { HELLO } from '../support/sandbox/pacman.js';
import { hostPacmanState, type PacmanAgent, startPacmanAgent, versions } from './support.js';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
before(async () => {
  agent = await startPacmanAgent({ sandbox: { stage: 1 }, config: { jobs: { lock_wait_seconds: 1 } } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a db.lck held by a running pacman fails the job with its pid; a stale one is reported and left in place', async () => {
  const lockFile = join(agent.sandbox.dbPath, 'db.lck');
  const holder = await agent.sandbox.holdLockWithPacman();
  const held = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(held.status, 'failed');
  assert.equal(held.error.code, 'LOCKED', JSON.stringify(held.error));
  assert.equal(held.error.details.pid, holder.pid);
  assert.match(held.error.message, new RegExp(`held by pid ${holder.pid}`));

  await holder.stop();
  assert.ok(existsSync(lockFile), 'pacman killed by SIGTERM leaves db.lck behind');
  const stale = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(stale.status, 'failed');
  assert.equal(stale.error.code, 'LOCKED', JSON.stringify(stale.error));
  assert.equal(stale.error.details.pid, null);
  assert.match(stale.error.message, /held, pid unknown/);
  assert.ok(existsSync(lockFile), 'the agent never removes a lock it did not leave');
  assert.equal((await agent.sandbox.query()).size, 0);

  await rm(lockFile);
  const install = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(install.status, 'completed', JSON.stringify(install.error));
  assert.deepEqual(versions(await agent.sandbox.query()), { [HELLO]: '1.0-1' });
});
