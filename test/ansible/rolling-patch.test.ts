/**
 * The rolling playbook on five real agents (one canary, four production hosts in two batches), each
 * on its own loopback address with its own apt root: check mode, a clean rollout during which a newer
 * version is published, and a second run of the same baseline.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { hostFilesUnchanged } from '../support/e2e-agent.js';
import { type Fleet, startAptFleet } from '../support/fleet.js';
import { DEP, HELLO, publishAptPackages, SEC } from '../support/sandbox/apt.js';
import { makeSandboxDir } from '../support/sandbox/common.js';
import { waitFor } from '../support/wait.js';
import { fleetVersions, prepareRollout, type Rollout, realJobs, runPlaybook } from './support.js';

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
