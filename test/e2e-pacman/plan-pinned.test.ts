import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type ApplyPause, applyPause, ifMatch, summary } from '../support/plans.js';
import { DEP, HELLO } from '../support/sandbox/pacman.js';
import { hostPacmanState, type PacmanAgent, startPacmanAgent, versions } from './support.js';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
let pause: ApplyPause;
before(async () => {
  pause = await applyPause();
  // hello 1.1-1 is also in the package cache (as after a canary's download), so it can still be
  // installed once the repository has moved on to 1.2-1.
  agent = await startPacmanAgent({
    sandbox: { stage: 1, install: [HELLO], cached: [{ name: HELLO, version: '1.1-1' }] },
    config: { plugins: [pause.plugin] },
  });
  await agent.sandbox.publish(2);
  await agent.sandbox.pacman(['-Syy']);
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a matched If-Match installs the planned versions as pins, even when the sync database moved on before pacman runs', async () => {
  const plan = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(summary(plan.plan), [`installed ${DEP} 1.0-1`, `upgraded ${HELLO} 1.1-1`]);

  const res = await agent.request('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(res.status, 202, res.text);
  // Matched under the lock, pacman not started: the repository publishes hello 1.2-1 and the sync
  // database is refreshed. `pacman -Su` would install 1.2-1 now.
  const held = await pause.hold();
  await agent.sandbox.publish(3);
  await agent.sandbox.pacman(['-Sy']);
  await held.release();
  const job = await agent.waitForJob(res.json.data.id);

  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.equal(job.plan_hash, plan.plan_hash);
  assert.deepEqual(summary(job.changes), summary(plan.plan));
  assert.deepEqual(versions(await agent.sandbox.query()), { [DEP]: '1.0-1', [HELLO]: '1.1-1' });
  assert.ok(
    job.log.includes(`applying the plan If-Match names: install pinned ${DEP} 1.0-1, ${HELLO} 1.1-1`),
    job.log.join('\n'),
  );
  // Named to pacman only to pin it, the new dependency is recorded as one, as after -Su.
  assert.equal((await agent.sandbox.pacman(['-Qdq'])).trim(), DEP);
  assert.equal((await agent.sandbox.pacman(['-Qeq'])).trim(), HELLO);
});

it('a matched removal removes the planned packages; a matched install records its new dependency as one', async () => {
  const removal = await agent.runJob('DELETE', `/packages/${DEP}?dry_run=true`);
  assert.deepEqual(summary(removal.plan), [`removed ${DEP} null`, `removed ${HELLO} null`]);
  const removed = await agent.runJob('DELETE', `/packages/${DEP}`, undefined, ifMatch(removal));
  assert.equal(removed.status, 'completed', JSON.stringify(removed.error));
  assert.deepEqual(summary(removed.changes), summary(removal.plan));
  assert.deepEqual(versions(await agent.sandbox.query()), {});

  // Both come from the sync database now (-S of both names): pacman would record dep as explicit.
  const plan = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }], dry_run: true });
  assert.deepEqual(summary(plan.plan), [`installed ${DEP} 1.0-1`, `installed ${HELLO} 1.2-1`]);
  const job = await agent.runJob('POST', '/packages', { packages: [{ name: HELLO }] }, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(summary(job.changes), summary(plan.plan));
  assert.equal((await agent.sandbox.pacman(['-Qdq'])).trim(), DEP);
  assert.equal((await agent.sandbox.pacman(['-Qeq'])).trim(), HELLO);
});
