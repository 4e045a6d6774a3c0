/**
 * The rolling playbook on five real agents (one canary, four production hosts in two batches), each
 * on its own loopback address with its own apt root: check mode, a clean rollout during which a newer
 * version is published, and a second run of the same baseline. Then, on the same fleet, the modules
 * facing versions published after an agent last refreshed its package index (GET /patches does not
 * list them yet): patch (all, named, security only, check mode), package state=latest and baseline.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { hostFilesUnchanged } from '../support/e2e-agent.js';
import { type Fleet, type FleetHost, startAptFleet } from '../support/fleet.js';
import { DEP, HELLO, publishAptPackages, SEC } from '../support/sandbox/apt.js';
import { makeSandboxDir } from '../support/sandbox/common.js';
import { waitFor } from '../support/wait.js';
import {
  agentGet,
  fleetVersions,
  type ModuleRun,
  prepareRollout,
  type Rollout,
  realJobs,
  runModule,
  runPlaybook,
} from './support.js';

const INITIAL = { [HELLO]: '1.0-1', [SEC]: '1.0-1' };
const BASELINE = { [DEP]: '1.0-1', [HELLO]: '1.1-1', [SEC]: '1.1-1' };

const hostUnchanged = hostFilesUnchanged(['/var/lib/dpkg/status', '/var/log/dpkg.log']);
let fleet: Fleet;
let rollout: Rollout;
const handshake = makeSandboxDir('publish-handshake');
before(async () => {
  fleet = await startAptFleet({ hosts: 5, install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] });
  // The canary's verify command signals and waits while the test publishes a newer hello: the
  // moment in a real rollout when the repository moves on between canary and production.
  const reached = join(handshake, 'canary-verified');
  const published = join(handshake, 'published');
  rollout = await prepareRollout(fleet, [fleet.hosts[0]!], {
    [fleet.hosts[0]!.name]: {
      lpa_verify_command: [
        '/usr/bin/timeout',
        '120',
        '/bin/sh',
        '-c',
        `: > ${reached}; while [ ! -e ${published} ]; do sleep 0.1; done`,
      ],
    },
  });
});
after(async () => {
  await fleet?.stop();
  hostUnchanged();
});

it('check mode plans every ring and changes nothing', async () => {
  await writeFile(join(handshake, 'published'), '');
  const run = await runPlaybook(fleet, rollout, { check: true, outputDir: join(rollout.dir, 'check') });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  for (const host of fleet.hosts) {
    assert.equal(run.summary?.[host.name]?.status, 'patched', JSON.stringify(run.summary));
    assert.equal(run.summary?.[host.name]?.check_mode, true);
    assert.deepEqual(await realJobs(fleet, host), [], `${host.name} ran a real job in check mode`);
  }
  assert.deepEqual(run.summary?.[fleet.hosts[1]!.name]?.after, BASELINE);
  const versions = await fleetVersions(fleet);
  for (const host of fleet.hosts) assert.deepEqual(versions[host.name], INITIAL, host.name);
  assert.equal(existsSync(join(rollout.dir, 'check', 'baseline.json')), false, 'check mode wrote the baseline');
});

it('a clean rollout brings every host to the canary baseline, even after a newer version is published', async () => {
  const { rmSync } = await import('node:fs');
  rmSync(join(handshake, 'published'), { force: true });
  const outputDir = join(rollout.dir, 'clean');
  const running = runPlaybook(fleet, rollout, { outputDir, extraVars: { lpa_batch_size: 2, lpa_baseline_name: 'clean' } });
  await waitFor(() => existsSync(join(handshake, 'canary-verified')) || undefined, {
    timeoutMs: 240_000,
    what: 'the canary to be verified',
  });
  for (const host of fleet.hosts) {
    await publishAptPackages(host.sandbox, [{ name: HELLO, version: '1.2-1', depends: `${DEP} (>= 1.0)` }]);
  }
  await writeFile(join(handshake, 'published'), '');
  const run = await running;
  assert.equal(run.code, 0, run.stdout + run.stderr);

  const baseline = JSON.parse(readFileSync(join(outputDir, 'baseline.json'), 'utf8'));
  assert.equal(baseline.name, 'clean');
  assert.deepEqual(
    Object.fromEntries(baseline.packages.map((p: { name: string; version: string }) => [p.name, p.version])),
    BASELINE,
  );
  const versions = await fleetVersions(fleet);
  for (const host of fleet.hosts) assert.deepEqual(versions[host.name], BASELINE, host.name);
  // Production was offered 1.2-1 and still got exactly the baseline.
  for (const host of fleet.hosts.slice(1)) {
    const jobs = await realJobs(fleet, host);
    assert.equal(jobs.length, 1, host.name);
  }
  assert.equal((run.stdout.match(/PLAY \[Production ring/g) ?? []).length, 2, 'two production batches');
  for (const host of fleet.hosts) {
    const entry = run.summary?.[host.name];
    assert.equal(entry?.status, 'patched', host.name);
    assert.equal(entry?.ring, host === fleet.hosts[0] ? 'canary' : 'production');
    assert.deepEqual(entry?.after, BASELINE);
    assert.deepEqual(entry?.before, INITIAL);
    assert.match(String(entry?.job_id), /^[0-9a-f-]{36}$/);
    assert.equal(typeof entry?.reboot_required, 'boolean');
  }
});

it('a second run of the same baseline is changed=false everywhere and starts no job', async () => {
  const jobsBefore = await Promise.all(fleet.hosts.map((host) => realJobs(fleet, host)));
  const outputDir = join(rollout.dir, 'again');
  const run = await runPlaybook(fleet, rollout, {
    outputDir,
    extraVars: { lpa_batch_size: 2, lpa_baseline_file: join(rollout.dir, 'clean', 'baseline.json') },
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  for (const host of fleet.hosts) {
    assert.equal(run.recap[host.name]?.changed, 0, `${host.name}: ${JSON.stringify(run.recap)}`);
    assert.equal(run.recap[host.name]?.failed, 0);
    assert.equal(run.summary?.[host.name]?.status, 'unchanged');
  }
  const jobsAfter = await Promise.all(fleet.hosts.map((host) => realJobs(fleet, host)));
  assert.deepEqual(jobsAfter, jobsBefore);
  const versions = await fleetVersions(fleet);
  for (const host of fleet.hosts) assert.deepEqual(versions[host.name], BASELINE, host.name);
});

type Change = { name: string; from_version: string | null; to_version: string | null };
const changeList = (entries: Change[] | undefined) =>
  (entries ?? []).map((entry) => `${entry.name} ${entry.from_version}>${entry.to_version}`).sort();

function succeeded(run: ModuleRun): Record<string, unknown> & { changed: boolean; changes?: Change[]; plan?: Change[] } {
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.ok(run.result, run.stdout + run.stderr);
  return run.result as ReturnType<typeof succeeded>;
}

async function offeredNames(host: FleetHost, query = ''): Promise<string[]> {
  return ((await agentGet(fleet, host, `/patches${query}`)).patches as { name: string }[]).map((patch) => patch.name);
}

/** Applies what the host's agent lists, so it is at the newest versions and has just refreshed its index. */
async function bringUpToDate(host: FleetHost): Promise<void> {
  succeeded(await runModule(fleet, rollout, host, 'patch', {}));
  assert.deepEqual(await offeredNames(host), [], `${host.name} still lists updates`);
}

const HELLO_1_3 = { name: HELLO, version: '1.3-1', depends: `${DEP} (>= 1.0)` };

it('patch applies an update published after the agent last refreshed, and a second run is changed=false', async () => {
  const host = fleet.hosts[1]!;
  await bringUpToDate(host);
  await publishAptPackages(host.sandbox, [HELLO_1_3]);
  assert.deepEqual(await offeredNames(host), [], "the agent's cached list must not know 1.3-1 yet");
  const jobsBefore = await realJobs(fleet, host);

  const applied = succeeded(await runModule(fleet, rollout, host, 'patch', {}));
  assert.equal(applied.changed, true);
  assert.deepEqual(changeList(applied.changes), [`${HELLO} 1.2-1>1.3-1`]);
  assert.equal((await host.sandbox.dpkgQuery()).get(HELLO), '1.3-1');

  const again = succeeded(await runModule(fleet, rollout, host, 'patch', {}));
  assert.equal(again.changed, false);
  assert.deepEqual(again.changes, []);
  assert.equal(again.job, undefined, 'an up-to-date host reports no job');
  assert.equal((await realJobs(fleet, host)).length, jobsBefore.length + 1, 'one mutating job in two runs');
});

it('patch with names: check mode plans a freshly published update, its plan_hash applies it, only the named ones', async () => {
  const host = fleet.hosts[2]!;
  await bringUpToDate(host);
  await publishAptPackages(host.sandbox, [HELLO_1_3, { name: SEC, version: '1.2-1' }]);
  assert.deepEqual(await offeredNames(host), []);
  const jobsBefore = await realJobs(fleet, host);
  const args = { packages: [HELLO, DEP] };

  const planned = succeeded(await runModule(fleet, rollout, host, 'patch', args, { check: true }));
  assert.equal(planned.changed, true);
  assert.deepEqual(changeList(planned.plan), [`${HELLO} 1.2-1>1.3-1`]);
  assert.deepEqual(await realJobs(fleet, host), jobsBefore, 'check mode ran a mutating job');
  assert.equal((await host.sandbox.dpkgQuery()).get(HELLO), '1.2-1');

  // The reviewed plan is what gets applied: check mode planned the request the apply sends.
  assert.match(String(planned.plan_hash), /^[0-9a-f]{64}$/);
  const applied = succeeded(await runModule(fleet, rollout, host, 'patch', { ...args, plan_hash: planned.plan_hash }));
  assert.deepEqual(changeList(applied.changes), [`${HELLO} 1.2-1>1.3-1`]);
  assert.equal((await host.sandbox.dpkgQuery()).get(SEC), '1.1-1', 'a package not named was updated');

  const again = succeeded(await runModule(fleet, rollout, host, 'patch', args));
  assert.equal(again.changed, false);
  const checkedAgain = succeeded(await runModule(fleet, rollout, host, 'patch', args, { check: true }));
  assert.equal(checkedAgain.changed, false);
  assert.deepEqual(checkedAgain.plan, []);
  assert.equal((await realJobs(fleet, host)).length, jobsBefore.length + 1);
});

it('patch with security_only applies a freshly published security update and nothing else', async () => {
  const host = fleet.hosts[3]!;
  await bringUpToDate(host);
  await publishAptPackages(host.sandbox, [HELLO_1_3]);
  await publishAptPackages(host.sandbox, [{ name: SEC, version: '1.2-1' }], { security: true });
  assert.deepEqual(await offeredNames(host, '?security=true'), []);
  const jobsBefore = await realJobs(fleet, host);

  const applied = succeeded(await runModule(fleet, rollout, host, 'patch', { security_only: true }));
  assert.deepEqual(changeList(applied.changes), [`${SEC} 1.1-1>1.2-1`]);
  const versions = await host.sandbox.dpkgQuery();
  assert.equal(versions.get(SEC), '1.2-1');
  assert.equal(versions.get(HELLO), '1.2-1', 'security_only applied an ordinary update');

  const again = succeeded(await runModule(fleet, rollout, host, 'patch', { security_only: true }));
  assert.equal(again.changed, false);
  assert.equal((await realJobs(fleet, host)).length, jobsBefore.length + 1);
});

it('package state=latest upgrades to a version published after the agent last refreshed, once', async () => {
  const host = fleet.hosts[4]!;
  await bringUpToDate(host);
  await publishAptPackages(host.sandbox, [{ name: SEC, version: '1.2-1' }]);
  assert.equal((await agentGet(fleet, host, `/packages/${SEC}`)).upgradable, false);
  const jobsBefore = await realJobs(fleet, host);

  const args = { name: [HELLO, SEC], state: 'latest' };
  const latest = succeeded(await runModule(fleet, rollout, host, 'package', args));
  assert.equal(latest.changed, true);
  assert.deepEqual(changeList(latest.changes), [`${SEC} 1.1-1>1.2-1`]);
  assert.equal((await host.sandbox.dpkgQuery()).get(SEC), '1.2-1');

  const again = succeeded(await runModule(fleet, rollout, host, 'package', args));
  assert.equal(again.changed, false);
  assert.equal((await realJobs(fleet, host)).length, jobsBefore.length + 1);
});

it('baseline without a job takes the versions offered after a refresh, with the dependencies they need', async () => {
  // The canary refreshed before 1.2-1 was published during the clean rollout and not since.
  const host = fleet.hosts[0]!;
  assert.deepEqual(await offeredNames(host), []);
  const offered = succeeded(await runModule(fleet, rollout, host, 'baseline', { name: 'offered' }));
  assert.equal(offered.changed, false);
  assert.deepEqual((offered.baseline as { packages: unknown[] }).packages, [{ name: HELLO, version: '1.2-1' }]);
  // 1.3-1 needs a package that is not installed yet: the baseline must list it for a pinned apply.
  const extra = 'lpa-fixture-extra';
  await publishAptPackages(host.sandbox, [
    { name: HELLO, version: '1.3-1', depends: `${DEP} (>= 1.0), ${extra}` },
    { name: extra, version: '1.0-1' },
  ]);
  const withDependency = succeeded(await runModule(fleet, rollout, host, 'baseline', { name: 'offered' }));
  assert.deepEqual((withDependency.baseline as { packages: unknown[] }).packages, [
    { name: extra, version: '1.0-1' },
    { name: HELLO, version: '1.3-1' },
  ]);
  assert.equal((await host.sandbox.dpkgQuery()).get(HELLO), '1.1-1', 'a baseline changed the host');
});
