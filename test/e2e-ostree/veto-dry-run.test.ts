import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEV, HELLO, OSNAME, PROD, REMOTE } from '../support/sandbox/ostree.js';
import { deploymentSummary, hostOstreeState, type OstreeAgent, startOstreeAgent } from './support.js';

const POLICY_PLUGIN = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/deployment-policy');

const hostUnchanged = hostOstreeState();
let agent: OstreeAgent;
before(async () => {
  agent = await startOstreeAgent({ backend: 'ostree', config: { plugins: [POLICY_PLUGIN] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a dry run of the apply and of the rebase plans them and changes nothing in the sysroot', async () => {
  const before = await agent.sandbox.snapshot();
  const apply = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(apply.changes, []);
  assert.deepEqual(
    apply.plan.map((c: { name: string; action: string; to_version: string }) => `${c.action} ${c.name} ${c.to_version}`),
    [`upgraded ${OSNAME} 1.1`, 'installed lpa-fixture-dep 1.0-1', `upgraded ${HELLO} 1.1-1`],
  );
  assert.deepEqual(
    [apply.deployment.action, apply.deployment.from.version, apply.deployment.to.version, apply.deployment.to.origin],
    ['upgrade', '1.0', '1.1', `${REMOTE}:${PROD}`],
  );

  const rebase = await agent.runJob('POST', '/deployments', { ref: `${REMOTE}:${DEV}`, dry_run: true });
  assert.equal(rebase.status, 'completed', JSON.stringify(rebase.error));
  assert.deepEqual([rebase.deployment.action, rebase.deployment.to.version], ['rebase', '2.0']);
  assert.deepEqual(rebase.changes, []);

  assert.deepEqual(deploymentSummary((await agent.request('GET', '/deployments')).json.data.deployments), ['0 1.0 booted']);
  // The refresh of the apply and the plan of the rebase fetched commit headers and package
  // databases into the repository; deployments, boot entries and origins are as before.
  assert.deepEqual(await agent.sandbox.snapshot(), before);
});

it('a beforeApply veto sees the deployment plan and stops the rebase before ostree deploys anything', async () => {
  const statusBefore = await agent.sandbox.status();
  const filesBefore = await agent.sandbox.snapshot();
  const job = await agent.runJob('POST', '/deployments', { ref: DEV });
  assert.equal(job.status, 'failed');
  assert.equal(job.error.code, 'VETOED');
  assert.equal(job.error.message, `policy: no dev images here (rebase 1.0 -> 2.0 from ${REMOTE}:${DEV}, 4 package changes)`);
  assert.deepEqual(job.changes, []);
  assert.equal(await agent.sandbox.status(), statusBefore, 'no deployment was made');
  assert.deepEqual(await agent.sandbox.snapshot(), filesBefore);
  assert.deepEqual(deploymentSummary((await agent.request('GET', '/deployments')).json.data.deployments), ['0 1.0 booted']);

  // The same policy lets the prod update through.
  const apply = await agent.runJob('POST', '/patches/apply');
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(deploymentSummary((await agent.request('GET', '/deployments')).json.data.deployments), [
    '0 1.1 pending',
    '1 1.0 booted',
  ]);
});
