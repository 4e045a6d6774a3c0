/**
 * The rolling playbook halting: a canary that fails verification is rolled back and production is
 * never touched; a production batch with a failing host is rolled back as a whole and the later
 * batches never start. Five real agents, each with its own apt root.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { hostFilesUnchanged } from '../support/e2e-agent.js';
import { type Fleet, startAptFleet } from '../support/fleet.js';
import { DEP, HELLO, SEC } from '../support/sandbox/apt.js';
import { makeSandboxDir } from '../support/sandbox/common.js';
import { fleetVersions, prepareRollout, type Rollout, realJobs, runPlaybook } from './support.js';

const INITIAL = { [HELLO]: '1.0-1', [SEC]: '1.0-1' };
const BASELINE = { [DEP]: '1.0-1', [HELLO]: '1.1-1', [SEC]: '1.1-1' };

const hostUnchanged = hostFilesUnchanged(['/var/lib/dpkg/status', '/var/log/dpkg.log']);
const markers = makeSandboxDir('broken-markers');
let fleet: Fleet;
let rollout: Rollout;
// The operator's verify command fails on a host whose marker exists (templated per host).
const extraVars = {
  lpa_batch_size: 2,
  lpa_verify_command: ['/usr/bin/test', '!', '-e', `${markers}/{{ inventory_hostname }}.broken`],
};
before(async () => {
  fleet = await startAptFleet({ hosts: 5, install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`], firstOctet: 31 });
  rollout = await prepareRollout(fleet, [fleet.hosts[0]!]);
});
after(async () => {
  await fleet?.stop();
  hostUnchanged();
});

it('a canary that fails verification is rolled back and production is never touched', async () => {
  const [canary, ...production] = fleet.hosts;
  await writeFile(join(markers, `${canary!.name}.broken`), '');
  const run = await runPlaybook(fleet, rollout, { outputDir: join(rollout.dir, 'canary-fails'), extraVars });
  rmSync(join(markers, `${canary!.name}.broken`));
  assert.notEqual(run.code, 0, run.stdout);
  assert.match(run.stdout, /rollout stopped in the canary ring: 1 of 1 hosts failed/);
  assert.doesNotMatch(run.stdout, /PLAY \[Production ring/);
  assert.equal(run.summary?.[canary!.name]?.status, 'failed, rolled back', JSON.stringify(run.summary));
  assert.match(run.summary?.[canary!.name]?.error, /Verify with the operator's command/);
  assert.match(String(run.summary?.[canary!.name]?.rollback_job_id), /^[0-9a-f-]{36}$/);
  const versions = await fleetVersions(fleet);
  for (const host of fleet.hosts) assert.deepEqual(versions[host.name], INITIAL, host.name);
  for (const host of production) {
    assert.equal(run.summary?.[host.name]?.status, 'not started');
    assert.deepEqual(await realJobs(fleet, host), [], `${host.name} ran a job`);
  }
});

it('a failing production batch is rolled back as a whole and the rollout stops', async () => {
  const [canary, first, second, third, fourth] = fleet.hosts;
  await writeFile(join(markers, `${first!.name}.broken`), '');
  const run = await runPlaybook(fleet, rollout, { outputDir: join(rollout.dir, 'batch-fails'), extraVars });
  assert.notEqual(run.code, 0, run.stdout);
  assert.match(run.stdout, /rollout stopped in the production ring: 1 of 2 hosts failed \(allowed 0%\)/);
  assert.equal((run.stdout.match(/PLAY \[Production ring/g) ?? []).length, 1, 'a second batch started');
  const versions = await fleetVersions(fleet);
  assert.deepEqual(versions[canary!.name], BASELINE, 'the canary keeps the verified baseline');
  assert.equal(run.summary?.[canary!.name]?.status, 'patched');
  assert.equal(run.summary?.[first!.name]?.status, 'failed, rolled back', JSON.stringify(run.summary));
  assert.equal(run.summary?.[second!.name]?.status, 'rolled back with its batch');
  for (const host of [first!, second!]) {
    assert.deepEqual(versions[host.name], INITIAL, `${host.name} was not rolled back`);
    const jobs = await realJobs(fleet, host);
    assert.deepEqual(jobs.map((job) => job.type).sort(), ['patch_apply', 'rollback'], host.name);
  }
  for (const host of [third!, fourth!]) {
    assert.equal(run.summary?.[host.name]?.status, 'not started');
    assert.deepEqual(versions[host.name], INITIAL, host.name);
    assert.deepEqual(await realJobs(fleet, host), [], `${host.name} ran a job`);
  }
});
