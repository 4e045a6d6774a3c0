import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type ApplyPause, applyPause, ifMatch, summary } from '../support/plans.js';
import { makeSandboxDir } from '../support/sandbox/common.js';
import { buildFixtureRepo } from '../support/sandbox/dnf.js';
import { DEP, HELLO, hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
let pause: ApplyPause;
before(async () => {
  pause = await applyPause();
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`, `${SEC}-1.0-1`], config: { plugins: [pause.plugin] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a matched If-Match installs the planned versions as pins, even when a newer repository appears before dnf runs', async () => {
  const plan = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(summary(plan.plan), [`installed ${DEP} 1.0-1`, `upgraded ${HELLO} 1.1-1`, `upgraded ${SEC} 1.1-1`]);

  const res = await agent.request('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(res.status, 202, res.text);
  // Matched under the lock, dnf not started: a repository offering newer versions is added now
  // (metadata_expire=0, so dnf reads it on its next run). `dnf upgrade` would install those.
  const held = await pause.hold();
  const newer = await buildFixtureRepo(makeSandboxDir('rpm-newer'), [
    { name: HELLO, version: '1.2', release: '1' },
    { name: SEC, version: '1.2', release: '1' },
  ]);
  await writeFile(
    join(agent.sandbox.root, 'etc/yum.repos.d/newer.repo'),
    ['[newer]', 'name=Newer', `baseurl=file://${newer}`, 'enabled=1', 'gpgcheck=0', 'metadata_expire=0', ''].join('\n'),
  );
  await held.release();
  const job = await agent.waitForJob(res.json.data.id);

  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.equal(job.plan_hash, plan.plan_hash);
  assert.deepEqual(summary(job.changes), summary(plan.plan));
  const installed = await agent.sandbox.installed();
  assert.equal(installed.get(HELLO), '1.1-1');
  assert.equal(installed.get(SEC), '1.1-1');
  assert.equal(installed.get(DEP), '1.0-1');
  assert.ok(
    job.log.includes(`applying the plan If-Match names: install pinned ${DEP} 1.0-1, ${HELLO} 1.1-1, ${SEC} 1.1-1`),
    job.log.join('\n'),
  );
  // Named to dnf only to pin it, the new dependency is recorded as one, as after dnf upgrade.
  const userInstalled = (await agent.sandbox.dnf(['history', 'userinstalled'])).stdout;
  assert.match(userInstalled, new RegExp(`^${HELLO}-1\\.1-1`, 'm'));
  assert.match(userInstalled, new RegExp(`^${SEC}-1\\.1-1`, 'm'));
  assert.doesNotMatch(userInstalled, new RegExp(DEP));
});

it('a matched removal removes exactly the planned packages', async () => {
  const plan = await agent.runJob('DELETE', `/packages/${SEC}?dry_run=true`);
  assert.deepEqual(summary(plan.plan), [`removed ${SEC} null`]);
  const job = await agent.runJob('DELETE', `/packages/${SEC}`, undefined, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(summary(job.changes), summary(plan.plan));
  const installed = await agent.sandbox.installed();
  assert.equal(installed.has(SEC), false);
  assert.equal(installed.get(HELLO), '1.1-1');
});
