import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { aptFixtureRepos, HELLO, SEC, withdrawFromMainRepo } from '../support/sandbox/apt.js';
import { type AptAgent, hostPackageState, startAptAgent, versions } from './support.js';

// A store that holds one fixture package file but not two: keeping the second drops the first.
const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  const { main } = await aptFixtureRepos();
  const hello = (await stat(join(main, `${HELLO}_1.0-1_all.deb`))).size;
  const sec = (await stat(join(main, `${SEC}_1.0-1_all.deb`))).size;
  const store_max_mb = Math.max(hello, sec) / (1024 * 1024);
  assert.ok(Math.max(hello, sec) < hello + sec);
  agent = await startAptAgent({
    sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] },
    config: { rollback: { store_max_mb, store_days: 14 } },
  });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('drops the oldest file over the bound; that job then says possible:false and its rollback is 409 before anything runs', async () => {
  const upgrade = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(upgrade.status, 'completed', JSON.stringify(upgrade.error));
  const remove = await agent.runJob('DELETE', `/packages/${SEC}`);
  assert.equal(remove.status, 'completed', JSON.stringify(remove.error));

  await withdrawFromMainRepo(HELLO, '1.0-1');
  await withdrawFromMainRepo(SEC, '1.0-1');
  await agent.sandbox.aptGet(['update']);
  await agent.sandbox.aptGet(['clean']);

  const verdict = (await agent.request('GET', `/jobs/${upgrade.id}`)).json.data.rollback;
  assert.equal(verdict.possible, false, JSON.stringify(verdict));
  assert.match(verdict.reason, /store_max_mb/);
  assert.deepEqual(
    verdict.packages.map((p: { name: string; source: string }) => `${p.name} ${p.source}`),
    [`${HELLO} none`],
  );

  // The list recomputes the verdict as the single job does, not the one recorded when the job ended.
  assert.equal(upgrade.rollback.possible, true);
  const listed = (await agent.request('GET', '/jobs')).json.data.jobs.find((job: { id: string }) => job.id === upgrade.id);
  assert.deepEqual(listed.rollback, verdict);

  const installed = versions(await agent.sandbox.dpkgQuery());
  const refused = await agent.request('POST', `/jobs/${upgrade.id}/rollback`);
  assert.equal(refused.status, 409, refused.text);
  assert.equal(refused.json.error.code, 'ROLLBACK_IMPOSSIBLE');
  assert.match(refused.json.error.message, new RegExp(`${HELLO} 1.0-1`));
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), installed);
  assert.equal((await agent.request('GET', `/jobs/${upgrade.id}`)).json.data.rolled_back_by, null);
  const rollbacks = (await agent.request('GET', '/jobs?type=rollback')).json.data.jobs;
  assert.equal(rollbacks.length, 0, 'no rollback job was created');

  const kept = await agent.runJob('POST', `/jobs/${remove.id}/rollback`);
  assert.equal(kept.status, 'completed', JSON.stringify(kept.error));
  assert.equal((await agent.sandbox.dpkgQuery()).get(SEC), '1.0-1');
});
