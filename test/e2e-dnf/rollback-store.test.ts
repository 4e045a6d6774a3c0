import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { keptPackages } from '../support/e2e-agent.js';
import { copyFixtureRepo } from '../support/sandbox/dnf.js';
import {
  changeSummary,
  DEP,
  HELLO,
  hostRpmUnchanged,
  type RpmAgent,
  SEC,
  startRpmAgent,
  versions,
  withdrawVersion,
} from './support.js';

// A repository rebuilt without the old version and an empty dnf cache: only the store can roll back.
const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
let repo: string;
before(async () => {
  repo = await copyFixtureRepo();
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`], repo });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('rolls an upgrade back from the rollback store after the repository dropped the old version', async () => {
  const upgrade = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(upgrade.status, 'completed', JSON.stringify(upgrade.error));
  assert.equal((await agent.sandbox.installed()).get(HELLO), '1.1-1');

  const store = join(agent.dir, 'state', 'rollback-store');
  assert.equal((await stat(store)).mode & 0o777, 0o700);
  const files = (await readdir(store)).filter((file) => file.endsWith('.rpm'));
  assert.equal(files.length, 1, files.join(' '));
  for (const file of [...files, 'index.json']) assert.equal((await stat(join(store, file))).mode & 0o777, 0o600, file);
  // dnf copies nothing of a file:// repository into its cache: the version was downloaded.
  assert.deepEqual(
    (await keptPackages(agent.dir)).map(({ name, version, via }) => ({ name, version, via })),
    [{ name: HELLO, version: '1.0-1', via: 'download' }],
  );

  await withdrawVersion(agent, repo, `${HELLO}-1.0-1`);
  const verdict = (await agent.request('GET', `/jobs/${upgrade.id}`)).json.data.rollback;
  assert.deepEqual(verdict, { possible: true, reason: null, packages: [{ name: HELLO, version: '1.0-1', source: 'store' }] });

  const rollback = await agent.runJob('POST', `/jobs/${upgrade.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.deepEqual(changeSummary(rollback), [`removed ${DEP} 1.0-1 > -`, `downgraded ${HELLO} 1.1-1 > 1.0-1`].sort());
  assert.deepEqual(versions(await agent.sandbox.installed()), { [HELLO]: '1.0-1' });
});

it('restores a removed package from the store', async () => {
  await agent.sandbox.dnf(['install', '--', `${SEC}-1.0-1`]);
  const remove = await agent.runJob('DELETE', `/packages/${SEC}`);
  assert.equal(remove.status, 'completed', JSON.stringify(remove.error));
  assert.equal(remove.rollback.packages[0].source, 'store');
  assert.ok(
    (await keptPackages(agent.dir)).some((p) => p.name === SEC && p.version === '1.0-1' && p.via === 'download'),
    'the removed version was kept',
  );
  await withdrawVersion(agent, repo, `${SEC}-1.0-1`);

  const rollback = await agent.runJob('POST', `/jobs/${remove.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.deepEqual(changeSummary(rollback), [`installed ${SEC} - > 1.0-1`]);
  assert.equal((await agent.sandbox.installed()).get(SEC), '1.0-1');
});
