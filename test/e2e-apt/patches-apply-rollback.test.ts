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

it('lists patches with their security class, applies them all, rolls back once and refuses a second rollback', async () => {
  const patches = await agent.request('GET', '/patches');
  assert.equal(patches.status, 200, patches.text);
  const byName = Object.fromEntries(
    patches.json.data.patches.map(
      (p: { name: string; current_version: string; available_version: string; security: boolean | null }) => [
        p.name,
        `${p.current_version}>${p.available_version} security=${p.security}`,
      ],
    ),
  );
  assert.deepEqual(byName, { [HELLO]: '1.0-1>1.1-1 security=false', [SEC]: '1.0-1>1.1-1 security=true' });
  assert.equal(patches.json.data.total, 2);
  assert.ok('last_cache_update' in patches.json.data);

  const security = await agent.request('GET', '/patches?security=true');
  assert.deepEqual(
    security.json.data.patches.map((p: { name: string }) => p.name),
    [SEC],
  );

  const apply = await agent.runJob('POST', '/patches/apply');
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(changeSummary(apply), [
    `installed ${DEP} - > 1.0-1`,
    `upgraded ${HELLO} 1.0-1 > 1.1-1`,
    `upgraded ${SEC} 1.0-1 > 1.1-1`,
  ]);
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), { [DEP]: '1.0-1', [HELLO]: '1.1-1', [SEC]: '1.1-1' });
  const none = await agent.request('GET', '/patches');
  assert.equal(none.json.data.total, 0);

  const rollback = await agent.runJob('POST', `/jobs/${apply.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.equal(rollback.type, 'rollback');
  assert.equal(rollback.rollback_of, apply.id);
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' }, 'not back where it started');
  const changes = changeSummary(rollback);
  assert.ok(changes.includes(`removed ${DEP} 1.0-1 > -`), changes.join('; '));
  assert.ok(changes.includes(`downgraded ${SEC} 1.1-1 > 1.0-1`), changes.join('; '));

  const original = await agent.request('GET', `/jobs/${apply.id}`);
  assert.equal(original.json.data.rolled_back_by, rollback.id);

  const again = await agent.request('POST', `/jobs/${apply.id}/rollback`);
  assert.equal(again.status, 409, again.text);
  assert.equal(again.json.error.code, 'CONFLICT');
  const ofRollback = await agent.request('POST', `/jobs/${rollback.id}/rollback`);
  assert.equal(ofRollback.status, 409, ofRollback.text);
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' });
});
