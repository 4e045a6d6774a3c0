import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DEP, HELLO } from '../support/sandbox/pacman.js';
import { changeSummary, hostPacmanState, type PacmanAgent, startPacmanAgent, versions } from './support.js';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
before(async () => {
  // Installed at 1.0 from stage 1 (so 1.0 is in the root's cache), then stage 2 is synced.
  agent = await startPacmanAgent({ sandbox: { stage: 1, install: [HELLO] }, autoDetect: true });
  await agent.sandbox.publish(2);
  await agent.sandbox.pacman(['-Syy']);
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('finds pacman from the root os-release, updates by name, pins back from the cache, deletes by name', async () => {
  const info = await agent.request('GET', '/system/info');
  assert.equal(info.json.data.package_manager, 'pacman');
  assert.match(
    agent.process.stdout(),
    /"backend":"pacman","plugin":"@linux-patch-api\/backend-pacman","matchedBy":"id","os":"arch"/,
  );

  const update = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(update.status, 'completed', JSON.stringify(update.error));
  assert.equal(update.type, 'package_update');
  assert.deepEqual(changeSummary(update), [`installed ${DEP} - > 1.0-1`, `upgraded ${HELLO} 1.0-1 > 1.1-1`]);

  const down = await agent.runJob('PUT', `/packages/${HELLO}`, { version: '1.0-1' });
  assert.equal(down.status, 'completed', JSON.stringify(down.error));
  assert.deepEqual(changeSummary(down), [`downgraded ${HELLO} 1.1-1 > 1.0-1`]);

  const missing = await agent.runJob('PUT', `/packages/${HELLO}`, { version: '0.9-1' });
  assert.equal(missing.status, 'failed');
  assert.equal(missing.error.code, 'BACKEND_ERROR', JSON.stringify(missing.error));
  assert.match(missing.error.message, /0\.9-1 is not in the package cache .*offer only 1\.1-1/);

  const remove = await agent.runJob('DELETE', `/packages/${HELLO}`);
  assert.equal(remove.status, 'completed', JSON.stringify(remove.error));
  assert.equal(remove.type, 'package_remove');
  assert.deepEqual(changeSummary(remove), [`removed ${HELLO} 1.0-1 > -`]);
  assert.deepEqual(versions(await agent.sandbox.query()), { [DEP]: '1.0-1' }, 'the orphaned dependency stays for the admin');

  const gone = await agent.request('GET', `/packages/${HELLO}`);
  assert.equal(gone.status, 404, gone.text);
  const again = await agent.request('DELETE', `/packages/${HELLO}`);
  if (again.status === 202) {
    const job = await agent.waitForJob(again.json.data.id);
    assert.equal(job.status, 'failed');
    assert.equal(job.error.code, 'NOT_FOUND');
  } else {
    assert.equal(again.status, 404, again.text);
  }
});
