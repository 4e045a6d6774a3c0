import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { changeSummary, DEP, HELLO, hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent, versions } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`, `${SEC}-1.0-1`] });
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
  assert.equal((await agent.sandbox.installed()).get(SEC), '1.0-1', 'updating one package touched another');

  const down = await agent.runJob('PUT', `/packages/${HELLO}`, { version: '1.0-1' });
  assert.equal(down.status, 'completed', JSON.stringify(down.error));
  assert.ok(changeSummary(down).includes(`downgraded ${HELLO} 1.1-1 > 1.0-1`), changeSummary(down).join('; '));

  const remove = await agent.runJob('DELETE', `/packages/${SEC}`);
  assert.equal(remove.status, 'completed', JSON.stringify(remove.error));
  assert.equal(remove.type, 'package_remove');
  assert.deepEqual(changeSummary(remove), [`removed ${SEC} 1.0-1 > -`]);
  assert.equal((await agent.sandbox.installed()).get(HELLO), '1.0-1');
  assert.equal((await agent.sandbox.installed()).has(SEC), false);

  const again = await agent.request('DELETE', `/packages/${SEC}`);
  if (again.status === 202) {
    const job = await agent.waitForJob(again.json.data.id);
    assert.equal(job.status, 'failed');
  } else {
    assert.equal(again.status, 404, again.text);
  }
  assert.equal(versions(await agent.sandbox.installed())[HELLO], '1.0-1');
});
