import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { DEP, HELLO, SEC, withdrawFromMainRepo } from '../support/sandbox/apt.js';
import { type AptAgent, hostPackageState, startAptAgent, versions } from './support.js';

// A repository that dropped the old version and an empty apt cache: only the store can roll back.
const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('rolls an upgrade back from the rollback store after the repository dropped the old version', async () => {
  const upgrade = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(upgrade.status, 'completed', JSON.stringify(upgrade.error));
  assert.equal((await agent.sandbox.dpkgQuery()).get(HELLO), '1.1-1');

  const store = join(agent.dir, 'state', 'rollback-store');
  assert.equal((await stat(store)).mode & 0o777, 0o700);
  const files = (await readdir(store)).filter((file) => file.endsWith('.deb'));
  assert.equal(files.length, 1, files.join(' '));
  for (const file of [...files, 'index.json']) assert.equal((await stat(join(store, file))).mode & 0o777, 0o600, file);

  await withdrawFromMainRepo(HELLO, '1.0-1');
  await agent.sandbox.aptGet(['update']);
  await agent.sandbox.aptGet(['clean']);

  const verdict = (await agent.request('GET', `/jobs/${upgrade.id}`)).json.data.rollback;
  assert.deepEqual(verdict, { possible: true, reason: null, packages: [{ name: HELLO, version: '1.0-1', source: 'store' }] });

  const accepted = await agent.request('POST', `/jobs/${upgrade.id}/rollback`);
  assert.equal(accepted.status, 202, accepted.text);
  const rollback = await agent.waitForJob(accepted.json.data.id);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.deepEqual(rollback.changes.map((c: { name: string; action: string }) => `${c.action} ${c.name}`).sort(), [
    `downgraded ${HELLO}`,
    `removed ${DEP}`,
  ]);
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), { [HELLO]: '1.0-1' });
  assert.ok(
    rollback.log.some((line: string) => line.includes('rollback-store')),
    'the kept file was installed',
  );
});

it('restores a removed package from the store', async () => {
  await agent.sandbox.aptGet(['install', '-y', `${SEC}=1.0-1`]);
  const remove = await agent.runJob('DELETE', `/packages/${SEC}`);
  assert.equal(remove.status, 'completed', JSON.stringify(remove.error));
  await withdrawFromMainRepo(SEC, '1.0-1');
  await agent.sandbox.aptGet(['update']);
  await agent.sandbox.aptGet(['clean']);
  assert.equal(remove.rollback.packages[0].source, 'store');

  const rollback = await agent.runJob('POST', `/jobs/${remove.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.equal((await agent.sandbox.dpkgQuery()).get(SEC), '1.0-1');
});
