import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type ApplyPause, applyPause, ifMatch, summary } from '../support/plans.js';
import { DEP, HELLO, publishAptPackages, SEC } from '../support/sandbox/apt.js';
import { runTool } from '../support/sandbox/common.js';
import { type AptAgent, hostPackageState, startAptAgent } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
let pause: ApplyPause;
before(async () => {
  pause = await applyPause();
  agent = await startAptAgent({
    sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] },
    config: { plugins: [pause.plugin] },
  });
});

const aptMark = async (args: string[]) => (await runTool('/usr/bin/apt-mark', args, { env: agent.sandbox.env })).stdout;
const aptMarkLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line !== '')
    .sort();

after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a matched If-Match installs the planned versions as pins, even when newer ones are fetched before apt runs', async () => {
  // sec was installed as a dependency; hello on request.
  await aptMark(['auto', '--', SEC]);
  const plan = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(summary(plan.plan), [`installed ${DEP} 1.0-1`, `upgraded ${HELLO} 1.1-1`, `upgraded ${SEC} 1.1-1`]);

  const res = await agent.request('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(res.status, 202, res.text);
  // The job has refreshed, planned again under the lock and matched; apt has not run yet. The
  // repository now publishes newer versions and apt's lists know them: resolving the request
  // again (apt-get dist-upgrade) would install those.
  const held = await pause.hold();
  await publishAptPackages(agent.sandbox, [
    { name: HELLO, version: '1.2-1', depends: DEP },
    { name: SEC, version: '1.2-1' },
  ]);
  await agent.sandbox.aptGet(['-q', 'update']);
  await held.release();
  const job = await agent.waitForJob(res.json.data.id);

  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.equal(job.plan_hash, plan.plan_hash);
  assert.deepEqual(summary(job.changes), summary(plan.plan));
  const installed = await agent.sandbox.dpkgQuery();
  assert.equal(installed.get(HELLO), '1.1-1');
  assert.equal(installed.get(SEC), '1.1-1');
  assert.equal(installed.get(DEP), '1.0-1');
  assert.ok(
    job.log.includes(`applying the plan If-Match names: install pinned ${DEP} 1.0-1, ${HELLO} 1.1-1, ${SEC} 1.1-1`),
    job.log.join('\n'),
  );
  // Named to apt only to pin them: the new dependency and sec stay automatically installed, as
  // after apt-get dist-upgrade; hello stays manual.
  assert.deepEqual(aptMarkLines(await aptMark(['showauto'])), [DEP, SEC]);
  assert.deepEqual(aptMarkLines(await aptMark(['showmanual'])), [HELLO]);
});

it('a matched removal removes exactly the planned packages, dependents included', async () => {
  const plan = await agent.runJob('DELETE', `/packages/${DEP}?dry_run=true`);
  assert.deepEqual(summary(plan.plan), [`removed ${DEP} null`, `removed ${HELLO} null`]);
  const job = await agent.runJob('DELETE', `/packages/${DEP}`, undefined, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(summary(job.changes), summary(plan.plan));
  const installed = await agent.sandbox.dpkgQuery();
  assert.equal(installed.has(DEP), false);
  assert.equal(installed.has(HELLO), false);
  assert.equal(installed.get(SEC), '1.1-1');
});
