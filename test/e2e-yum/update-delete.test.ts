import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { changeSummary, DEP, HELLO, hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent } from '../e2e-dnf/support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ flavour: 'yum' });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('through the yum plugin: pinned install, update by name, pinned downgrade, delete by name', async () => {
  const install = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO, version: '1.0-1' }, { name: SEC }] });
  assert.equal(install.status, 'completed', JSON.stringify(install.error));
  assert.deepEqual(changeSummary(install), [`installed ${HELLO} - > 1.0-1`, `installed ${SEC} - > 1.1-1`]);

  const update = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(update.status, 'completed', JSON.stringify(update.error));
  assert.deepEqual(changeSummary(update), [`installed ${DEP} - > 1.0-1`, `upgraded ${HELLO} 1.0-1 > 1.1-1`]);

  const down = await agent.runJob('PUT', `/packages/${SEC}`, { version: '1.0-1' });
  assert.equal(down.status, 'completed', JSON.stringify(down.error));
  assert.deepEqual(changeSummary(down), [`downgraded ${SEC} 1.1-1 > 1.0-1`]);

  const remove = await agent.runJob('DELETE', `/packages/${SEC}`);
  assert.equal(remove.status, 'completed', JSON.stringify(remove.error));
  assert.deepEqual(changeSummary(remove), [`removed ${SEC} 1.0-1 > -`]);
  assert.equal((await agent.sandbox.installed()).has(SEC), false);
});
