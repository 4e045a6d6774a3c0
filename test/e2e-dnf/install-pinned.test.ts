import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { changeSummary, HELLO, hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent, versions } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent();
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('installs pinned versions and shows them with rpm fields and their available update', async () => {
  const install = await agent.runJob('POST', '/packages', {
    packages: [
      { name: HELLO, version: '1.0-1' },
      { name: SEC, version: '1.0-1' },
    ],
  });
  assert.equal(install.status, 'completed', JSON.stringify(install.error));
  assert.equal(install.type, 'package_install');
  assert.deepEqual(changeSummary(install), [`installed ${HELLO} - > 1.0-1`, `installed ${SEC} - > 1.0-1`]);
  assert.deepEqual(versions(await agent.sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' });
  assert.ok(install.log.length > 0, 'the job keeps the tail of the dnf output');
  assert.ok(
    install.log.some((line: string) => /Installing\s+:\s+lpa-fixture-hello-1\.0-1\.noarch/.test(line)),
    'the log carries dnf transaction steps',
  );
  assert.equal(install.progress, 100);

  const list = await agent.request('GET', '/packages');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.data.total, 2);
  const one = await agent.request('GET', `/packages/${HELLO}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.data.name, HELLO);
  assert.equal(one.json.data.version, '1.0-1');
  assert.equal(one.json.data.architecture, 'noarch');
  assert.equal(one.json.data.description, `Fixture ${HELLO} 1.0`);
  assert.equal(one.json.data.upgradable, true);
  assert.equal(one.json.data.available_version, '1.1-1');

  const missing = await agent.request('GET', '/packages/lpa-fixture-dep');
  assert.equal(missing.status, 404, missing.text);
  assert.equal(missing.json.error.code, 'NOT_FOUND');
});
