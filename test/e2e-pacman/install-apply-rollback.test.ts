import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { DEP, HELLO } from '../support/sandbox/pacman.js';
import { changeSummary, hostPacmanState, type PacmanAgent, startPacmanAgent, versions } from './support.js';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
before(async () => {
  agent = await startPacmanAgent({ sandbox: { stage: 1 } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('installs, lists the upgrade once stage 2 is published, applies it whole and rolls it back from the package cache', async () => {
  const install = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(install.status, 'completed', JSON.stringify(install.error));
  assert.deepEqual(changeSummary(install), [`installed ${HELLO} - > 1.0-1`]);

  const pkg = await agent.request('GET', `/packages/${HELLO}`);
  assert.equal(pkg.status, 200, pkg.text);
  assert.equal(pkg.json.data.version, '1.0-1');
  assert.equal(pkg.json.data.architecture, 'any');
  assert.equal(pkg.json.data.upgradable, false);
  assert.equal((await agent.request('GET', '/patches')).json.data.total, 0);

  await agent.sandbox.publish(2);
  await agent.sandbox.pacman(['-Syy']);
  const patches = await agent.request('GET', '/patches');
  assert.equal(patches.status, 200, patches.text);
  assert.deepEqual(
    patches.json.data.patches.map(
      (p: { name: string; current_version: string; available_version: string; security: unknown }) => [
        p.name,
        p.current_version,
        p.available_version,
        p.security,
      ],
    ),
    [[HELLO, '1.0-1', '1.1-1', null]],
    'Arch has no advisory metadata: security is null',
  );
  assert.equal((await agent.request('GET', '/patches?security=true')).json.data.total, 0);

  // A package list that leaves an upgradable package behind is a partial upgrade: refused at once
  // (409 NOT_SUPPORTED, no job), nothing changes.
  const partial = await agent.request('POST', '/patches/apply', { packages: [DEP] });
  assert.equal(partial.status, 409, partial.text);
  assert.equal(partial.json.error.code, 'NOT_SUPPORTED');
  assert.deepEqual(partial.json.error.details.left_behind, [HELLO]);
  assert.deepEqual(versions(await agent.sandbox.query()), { [HELLO]: '1.0-1' });

  const apply = await agent.runJob('POST', '/patches/apply');
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(changeSummary(apply), [`installed ${DEP} - > 1.0-1`, `upgraded ${HELLO} 1.0-1 > 1.1-1`]);
  assert.deepEqual(versions(await agent.sandbox.query()), { [DEP]: '1.0-1', [HELLO]: '1.1-1' });
  assert.equal((await agent.request('GET', '/patches')).json.data.total, 0);
  assert.match(await agent.pacmanLog(), /-Su\b/, 'the apply ran a full -Su');

  const rollback = await agent.runJob('POST', `/jobs/${apply.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.equal(rollback.rollback_of, apply.id);
  assert.deepEqual(versions(await agent.sandbox.query()), { [HELLO]: '1.0-1' }, 'not back where it started');
  const changes = changeSummary(rollback);
  assert.ok(changes.includes(`removed ${DEP} 1.0-1 > -`), changes.join('; '));
  assert.ok(changes.includes(`downgraded ${HELLO} 1.1-1 > 1.0-1`), changes.join('; '));
  assert.match(
    await agent.pacmanLog(),
    /-U .*lpa-fixture-hello-1\.0-1-any\.pkg\.tar\.zst/,
    'the old version came from the cache',
  );

  const again = await agent.request('POST', `/jobs/${apply.id}/rollback`);
  assert.equal(again.status, 409, again.text);
  assert.equal(again.json.error.code, 'CONFLICT');
});

it('a rollback whose old package file is gone from the cache fails clearly and changes nothing', async () => {
  const apply = await agent.runJob('POST', '/patches/apply');
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(versions(await agent.sandbox.query()), { [DEP]: '1.0-1', [HELLO]: '1.1-1' });
  await rm(`${agent.sandbox.cacheDir}/lpa-fixture-hello-1.0-1-any.pkg.tar.zst`);

  const rollback = await agent.runJob('POST', `/jobs/${apply.id}/rollback`);
  assert.equal(rollback.status, 'failed');
  assert.equal(rollback.error.code, 'BACKEND_ERROR', JSON.stringify(rollback.error));
  assert.match(rollback.error.message, /not in the package cache/);
});
