import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { changeSummary, DEP, HELLO, hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent, versions } from '../e2e-dnf/support.js';
import { SECURITY_ADVISORY } from '../support/sandbox/dnf.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ flavour: 'yum', install: [`${HELLO}-1.0-1`, `${SEC}-1.0-1`] });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('through the yum plugin (dnf invoked as yum): security patches shown, security-only apply, full apply, rollback', async () => {
  const info = await agent.request('GET', '/system/info');
  assert.equal(info.status, 200, info.text);
  assert.equal(info.json.data.package_manager, 'yum');

  const patches = await agent.request('GET', '/patches?security=true');
  assert.equal(patches.status, 200, patches.text);
  assert.equal(patches.json.data.total, 1);
  assert.equal(patches.json.data.patches[0].name, SEC);
  assert.equal(patches.json.data.patches[0].severity, SECURITY_ADVISORY.severity);

  const securityOnly = await agent.runJob('POST', '/patches/apply', { security_only: true });
  assert.equal(securityOnly.status, 'completed', JSON.stringify(securityOnly.error));
  assert.deepEqual(changeSummary(securityOnly), [`upgraded ${SEC} 1.0-1 > 1.1-1`]);

  const apply = await agent.runJob('POST', '/patches/apply');
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(changeSummary(apply), [`installed ${DEP} - > 1.0-1`, `upgraded ${HELLO} 1.0-1 > 1.1-1`]);

  const rollback = await agent.runJob('POST', `/jobs/${apply.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.deepEqual(changeSummary(rollback), [`downgraded ${HELLO} 1.1-1 > 1.0-1`, `removed ${DEP} 1.0-1 > -`]);
  assert.deepEqual(versions(await agent.sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.1-1' });
});
