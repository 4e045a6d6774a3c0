import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SECURITY_ADVISORY } from '../support/sandbox/dnf.js';
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

it('lists patches with security class and severity, applies them all, rolls back once and refuses a second rollback', async () => {
  const patches = await agent.request('GET', '/patches');
  assert.equal(patches.status, 200, patches.text);
  assert.equal(patches.json.data.total, 2);
  assert.ok('last_cache_update' in patches.json.data);
  const sec = patches.json.data.patches.find((p: { name: string }) => p.name === SEC);
  assert.equal(sec.current_version, '1.0-1');
  assert.equal(sec.available_version, '1.1-1');
  assert.equal(sec.security, true);
  assert.equal(sec.severity, SECURITY_ADVISORY.severity);
  assert.ok(JSON.stringify(sec).includes(SECURITY_ADVISORY.id), `advisory id shown: ${JSON.stringify(sec)}`);
  assert.ok(JSON.stringify(sec).includes(SECURITY_ADVISORY.cve), `CVE shown: ${JSON.stringify(sec)}`);
  const hello = patches.json.data.patches.find((p: { name: string }) => p.name === HELLO);
  assert.equal(hello.security, false);

  const securityOnly = await agent.request('GET', '/patches?security=true');
  assert.deepEqual(
    securityOnly.json.data.patches.map((p: { name: string }) => p.name),
    [SEC],
  );

  const apply = await agent.runJob('POST', '/patches/apply');
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(changeSummary(apply), [
    `installed ${DEP} - > 1.0-1`,
    `upgraded ${HELLO} 1.0-1 > 1.1-1`,
    `upgraded ${SEC} 1.0-1 > 1.1-1`,
  ]);
  assert.deepEqual(versions(await agent.sandbox.installed()), { [DEP]: '1.0-1', [HELLO]: '1.1-1', [SEC]: '1.1-1' });
  assert.equal((await agent.request('GET', '/patches')).json.data.total, 0);

  const rollback = await agent.runJob('POST', `/jobs/${apply.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.equal(rollback.type, 'rollback');
  assert.equal(rollback.rollback_of, apply.id);
  assert.deepEqual(versions(await agent.sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' }, 'not back where it started');
  const changes = changeSummary(rollback);
  assert.ok(changes.includes(`removed ${DEP} 1.0-1 > -`), changes.join('; '));
  assert.ok(changes.includes(`downgraded ${HELLO} 1.1-1 > 1.0-1`), changes.join('; '));
  assert.ok(changes.includes(`downgraded ${SEC} 1.1-1 > 1.0-1`), changes.join('; '));

  assert.equal((await agent.request('GET', `/jobs/${apply.id}`)).json.data.rolled_back_by, rollback.id);
  const again = await agent.request('POST', `/jobs/${apply.id}/rollback`);
  assert.equal(again.status, 409, again.text);
  assert.equal(again.json.error.code, 'CONFLICT');
  const ofRollback = await agent.request('POST', `/jobs/${rollback.id}/rollback`);
  assert.equal(ofRollback.status, 409, ofRollback.text);
  assert.deepEqual(versions(await agent.sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' });
});
