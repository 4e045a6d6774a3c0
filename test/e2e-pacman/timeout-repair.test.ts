import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { HELLO } from '../support/sandbox/pacman.js';
import { hostPacmanState, type PacmanAgent, startPacmanAgent, versions } from './support.js';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
before(async () => {
  agent = await startPacmanAgent({ sandbox: { stage: 1 }, config: { jobs: { timeout_seconds: 5 } } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a job past its timeout stops pacman mid-download; the lock pacman leaves is repaired and the next job runs', async () => {
  await agent.sandbox.blockPackageFile(HELLO, '1.0-1');
  const stuck = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(stuck.status, 'timed_out', JSON.stringify(stuck));
  assert.deepEqual(stuck.changes, []);
  assert.ok(
    stuck.log.some((line: string) => /repair: needed, database consistent/.test(line)),
    `the repair ran: ${stuck.log.join(' | ')}`,
  );
  assert.equal(existsSync(join(agent.sandbox.dbPath, 'db.lck')), false, 'the lock left by the stopped pacman was removed');

  await agent.sandbox.publish(1);
  const install = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(install.status, 'completed', JSON.stringify(install.error));
  assert.deepEqual(versions(await agent.sandbox.query()), { [HELLO]: '1.0-1' });
});
