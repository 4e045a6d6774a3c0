import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { ifMatch } from '../support/plans.js';
import { makeSandboxDir } from '../support/sandbox/common.js';
import { buildFixtureRepo } from '../support/sandbox/dnf.js';
import { hostRpmUnchanged, type JobRecord, type RpmAgent, startRpmAgent } from './support.js';

const KERNEL = 'kernel-core';
const SVC = 'lpa-fixture-svc';
const UNIT = 'lpa-fixture-svc.service';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent();
  const unit = '[Unit]\nDescription=linux-patch-api test fixture\n[Service]\nExecStart=/bin/sleep 600\n';
  const extra = await buildFixtureRepo(makeSandboxDir('rpm-forecast'), [
    { name: KERNEL, version: '9.9', release: '1', files: { 'boot/vmlinuz-9.9-test': 'not really a kernel\n' } },
    { name: SVC, version: '1.0', release: '1', files: { [`usr/lib/systemd/system/${UNIT}`]: unit } },
    { name: SVC, version: '1.1', release: '1', files: { [`usr/lib/systemd/system/${UNIT}`]: unit } },
  ]);
  await writeFile(
    join(agent.sandbox.root, 'etc/yum.repos.d/forecast.repo'),
    ['[forecast]', 'name=Forecast', `baseurl=file://${extra}`, 'enabled=1', 'gpgcheck=0', 'metadata_expire=0', ''].join('\n'),
  );
  await agent.sandbox.dnf(['install', '--', `${SVC}-1.0-1`]);
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

async function planThenApply(method: string, path: string, body?: Record<string, unknown>) {
  const plan: JobRecord = await agent.runJob(method, path, { ...body, dry_run: true });
  assert.equal(plan.status, 'completed', JSON.stringify(plan.error));
  const job: JobRecord = await agent.runJob(method, path, body, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  return { plan, job };
}

it('GET /capabilities declares the reboot forecast', async () => {
  assert.equal((await agent.request('GET', '/capabilities')).json.data.reboot_forecast, true);
});

it("a service's unit file is forecast for restart, and the outcome names it", async () => {
  const { plan, job } = await planThenApply('PUT', `/packages/${SVC}`);
  assert.deepEqual(plan.forecast.services, [UNIT]);
  assert.equal(plan.forecast.reboot_required, false);
  assert.deepEqual(job.outcome.services, [UNIT]);
  assert.equal(job.forecast_matched, true);
});

it("kernel-core forecasts a reboot by needs-restarting's rules, and needs-restarting -r agrees afterwards", async () => {
  const { plan, job } = await planThenApply('POST', '/packages', { packages: [{ name: KERNEL }] });
  assert.equal(plan.forecast.reboot_required, true);
  assert.deepEqual(
    plan.forecast.reasons.map((r: { package: string }) => r.package),
    [KERNEL],
  );
  assert.equal(job.outcome.reboot_required, true);
  assert.ok(job.outcome.reasons.some((r: { package: string }) => r.package === KERNEL));
  assert.equal(job.forecast_matched, true);
  const info = await agent.request('GET', '/system/info');
  assert.equal(info.json.data.reboot_required, true);
});
