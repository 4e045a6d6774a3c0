import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { HELLO } from '../support/sandbox/apt.js';
import { type AptAgent, changeSummary, hostPackageState, startAptAgent, versions } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent();
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('installs a pinned version over mTLS; the job reports the measured change and the package shows its upgrade', async () => {
  const job = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO, version: '1.0-1' }] });
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.equal(job.type, 'package_install');
  assert.equal(job.progress, 100);
  assert.deepEqual(changeSummary(job), [`installed ${HELLO} - > 1.0-1`]);
  assert.ok(
    job.log.some((line: string) => line.includes('Setting up lpa-fixture-hello (1.0-1)')),
    'apt output in the job log',
  );
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), { [HELLO]: '1.0-1' });

  const pkg = await agent.request('GET', `/packages/${HELLO}`);
  assert.equal(pkg.status, 200, pkg.text);
  assert.equal(pkg.json.data.version, '1.0-1');
  assert.equal(pkg.json.data.architecture, 'all');
  assert.equal(pkg.json.data.status, 'installed');
  assert.equal(pkg.json.data.upgradable, true);
  assert.equal(pkg.json.data.available_version, '1.1-1');

  const list = await agent.request('GET', '/packages?name=lpa-fixture-*');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.data.total, 1);
  assert.deepEqual(
    list.json.data.packages.map((p: { name: string; version: string }) => `${p.name}=${p.version}`),
    [`${HELLO}=1.0-1`],
  );
  const missing = await agent.request('GET', '/packages/lpa-fixture-dep');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'NOT_FOUND');
});
