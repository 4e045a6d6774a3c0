import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DEP, HELLO, SEC } from '../support/sandbox/apt.js';
import { type AptAgent, changeSummary, hostPackageState, startAptAgent, versions } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('updates one package by name, pins it back down, and deletes by name', async () => {
  const update = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(update.status, 'completed', JSON.stringify(update.error));
  assert.equal(update.type, 'package_update');
  assert.deepEqual(changeSummary(update), [`installed ${DEP} - > 1.0-1`, `upgraded ${HELLO} 1.0-1 > 1.1-1`]);
  assert.equal((await agent.sandbox.dpkgQuery()).get(SEC), '1.0-1', 'updating one package touched another');

  const down = await agent.runJob('PUT', `/packages/${HELLO}`, { version: '1.0-1' });
  assert.equal(down.status, 'completed', JSON.stringify(down.error));
  assert.deepEqual(changeSummary(down), [`downgraded ${HELLO} 1.1-1 > 1.0-1`]);

  const remove = await agent.runJob('DELETE', `/packages/${DEP}`);
  assert.equal(remove.status, 'completed', JSON.stringify(remove.error));
  assert.equal(remove.type, 'package_remove');
  assert.deepEqual(changeSummary(remove), [`removed ${DEP} 1.0-1 > -`]);
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' });

  const again = await agent.request('DELETE', `/packages/${DEP}`);
  if (again.status === 202) {
    const job = await agent.waitForJob(again.json.data.id);
    assert.equal(job.status, 'failed');
    assert.equal(job.error.code, 'NOT_FOUND');
  } else {
    assert.equal(again.status, 404, again.text);
  }
});
