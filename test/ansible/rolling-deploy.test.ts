/**
 * The rolling deployment playbook for atomic hosts (rolling_deploy.yml) and the deployment module,
 * run by ansible-core against five real agents with the ostree backend, each on its own loopback
 * address with its own OSTree sysroot and repository (`prod` at 1.0 deployed, 1.1 published, `dev`
 * at 2.0): check mode, a production batch whose host gets another commit than the canary's, a clean
 * rollout and its second run, and the module's rollback and rebase, each run twice, a commit
 * published after the agent's last refresh, and a retried rebase adopting its unfinished job.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { hostOstreeState } from '../e2e-ostree/support.js';
import { type Fleet, type FleetHost, startOstreeFleet } from '../support/fleet.js';
import { holdFcntlLock } from '../support/sandbox/apt.js';
import { DEV, type OstreeSandbox, PROD, REMOTE } from '../support/sandbox/ostree.js';
import { prepareRollout, type Rollout, realJobs, runModule, runPlaybook } from './support.js';

type Host = FleetHost<OstreeSandbox>;

const hostUnchanged = hostOstreeState();
let fleet: Fleet<OstreeSandbox>;
let rollout: Rollout;
let canary: Host;
let production: Host[];
// Every sandbox makes the same commits from the same trees, so their checksums agree fleet-wide.
let commits: OstreeSandbox['checksums'];
before(async () => {
  fleet = await startOstreeFleet({ hosts: 5, firstOctet: 51 });
  [canary, ...production] = fleet.hosts as [Host, ...Host[]];
  commits = canary.sandbox.checksums;
  for (const host of fleet.hosts) assert.deepEqual(host.sandbox.checksums, commits, host.name);
  rollout = await prepareRollout(fleet, [canary]);
});
after(async () => {
  await fleet?.stop();
  hostUnchanged();
});

const PROD_ORIGIN = `${REMOTE}:${PROD}`;
const playbookOptions = (name: string, extra: { check?: boolean } = {}) => ({
  playbook: 'rolling_deploy',
  outputDir: join(rollout.dir, name),
  extraVars: { lpa_batch_size: 2 },
  ...extra,
});

/** `version checksum origin` of each deployment of the host's sysroot, default first. */
async function sysroot(host: Host): Promise<string[]> {
  return (await host.sandbox.deployments()).map((d) => `${d.version} ${d.checksum} ${d.origin}`);
}
const onlyProd1 = () => [`1.0 ${commits.prod1} ${PROD_ORIGIN}`];
const prod2OverProd1 = () => [`1.1 ${commits.prod2} ${PROD_ORIGIN}`, `1.0 ${commits.prod1} ${PROD_ORIGIN}`];

it('check mode plans the rollout with --diff and changes no sysroot', async () => {
  const snapshots = await Promise.all(fleet.hosts.map((host) => host.sandbox.snapshot()));
  const run = await runPlaybook(fleet, rollout, playbookOptions('check', { check: true }));
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // The diff names the commit production would get, and the packages that change with it.
  assert.match(run.stdout, new RegExp(`\\+lpaos 1\\.1 \\(${commits.prod2}\\)`));
  assert.match(
    run.stdout,
    /\n-lpa-fixture-hello 1\.0-1\n\+lpaos 1\.1 .*\n\+lpa-fixture-dep 1\.0-1\n\+lpa-fixture-hello 1\.1-1\n/,
  );
  for (const [index, host] of fleet.hosts.entries()) {
    assert.equal(run.summary?.[host.name]?.status, 'would deploy', JSON.stringify(run.summary));
    assert.equal(run.summary?.[host.name]?.check_mode, true);
    assert.equal(run.summary?.[host.name]?.after.checksum, commits.prod2, host.name);
    assert.deepEqual(await host.sandbox.snapshot(), snapshots[index], `${host.name}'s sysroot changed`);
    assert.deepEqual(await realJobs(fleet, host), [], `${host.name} ran a job`);
  }
});

it("a production host that gets another commit than the canary's is rolled back with its batch, and the rollout stops", async () => {
  const [first, second, third, fourth] = production as [Host, Host, Host, Host];
  // first's repository moves prod on (a 1.2 made of the dev tree) after the canary has deployed 1.1.
  const moved = (
    await first.sandbox.ostree([
      'commit',
      `--repo=${first.sandbox.repo}`,
      `--branch=${PROD}`,
      `--tree=ref=${DEV}`,
      '--add-metadata-string=version=1.2',
      '--subject=prod moved on',
    ])
  ).trim();
  const untouched = await Promise.all([third, fourth].map((host) => host.sandbox.snapshot()));
  const run = await runPlaybook(fleet, rollout, playbookOptions('batch-fails'));
  await first.sandbox.ostree(['reset', `--repo=${first.sandbox.repo}`, PROD, commits.prod2!]);

  assert.notEqual(run.code, 0, run.stdout);
  assert.match(run.stdout, /rollout stopped in the production ring: 1 of 2 hosts failed \(allowed 0%\)/);
  assert.equal((run.stdout.match(/PLAY \[Production ring/g) ?? []).length, 1, 'a second batch started');
  assert.equal(run.summary?.[canary.name]?.status, 'deployed', JSON.stringify(run.summary));
  assert.deepEqual(await sysroot(canary), prod2OverProd1(), 'the canary keeps the commit it verified');

  assert.equal(run.summary?.[first.name]?.status, 'failed, rolled back');
  assert.match(
    run.summary?.[first.name]?.error,
    new RegExp(`COMMIT_MISMATCH: the default deployment is ${moved}, not ${commits.prod2}`),
  );
  assert.equal(run.summary?.[second.name]?.status, 'rolled back with its batch');
  for (const host of [first, second]) {
    assert.deepEqual(await sysroot(host), onlyProd1(), `${host.name} was not rolled back`);
    const jobs = await realJobs(fleet, host);
    assert.deepEqual(jobs.map((job) => job.type).sort(), ['deployment_rollback', 'patch_apply'], host.name);
    assert.match(String(run.summary?.[host.name]?.rollback_job_id), /^[0-9a-f-]{36}$/);
  }
  for (const [index, host] of [third, fourth].entries()) {
    assert.equal(run.summary?.[host.name]?.status, 'not started');
    assert.deepEqual(await host.sandbox.snapshot(), untouched[index], `${host.name}'s sysroot changed`);
    assert.deepEqual(await realJobs(fleet, host), [], `${host.name} ran a job`);
  }
});

it('the deployment module rolls back away from a commit once: a second run changes nothing', async () => {
  const args = { state: 'rolled_back', checksum: commits.prod2 };
  const first = await runModule(fleet, rollout, canary, 'deployment', args);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.equal(first.result?.changed, true);
  assert.equal(first.result?.job.type, 'deployment_rollback');
  assert.equal(first.result?.deployment.checksum, commits.prod1);
  assert.deepEqual(await sysroot(canary), onlyProd1());
  const jobs = (await realJobs(fleet, canary)).length;

  const again = await runModule(fleet, rollout, canary, 'deployment', args);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal(again.result?.changed, false);
  assert.equal(again.result?.job, undefined, 'a second rollback job started');
  assert.equal((await realJobs(fleet, canary)).length, jobs);
  assert.deepEqual(await sysroot(canary), onlyProd1());
});

it("a clean rollout deploys the canary's commit on every host, and a second run is changed: false everywhere", async () => {
  const run = await runPlaybook(fleet, rollout, playbookOptions('clean'));
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal((run.stdout.match(/PLAY \[Production ring/g) ?? []).length, 2, 'two production batches');
  for (const host of fleet.hosts) {
    assert.equal(run.summary?.[host.name]?.status, 'deployed', `${host.name}: ${JSON.stringify(run.summary?.[host.name])}`);
    assert.equal(run.summary?.[host.name]?.after.checksum, commits.prod2);
    assert.equal(run.summary?.[host.name]?.reboot_required, true);
    assert.deepEqual(await sysroot(host), prod2OverProd1(), host.name);
    assert.ok((run.recap[host.name]?.changed ?? 0) > 0, host.name);
  }

  const snapshots = await Promise.all(fleet.hosts.map((host) => host.sandbox.snapshot()));
  const productionJobs = await Promise.all(production.map(async (host) => (await realJobs(fleet, host)).length));
  const again = await runPlaybook(fleet, rollout, playbookOptions('again'));
  assert.equal(again.code, 0, again.stdout + again.stderr);
  for (const [index, host] of fleet.hosts.entries()) {
    assert.equal(again.recap[host.name]?.changed, 0, `${host.name}: ${JSON.stringify(again.recap)}`);
    assert.equal(again.summary?.[host.name]?.status, 'unchanged');
    assert.deepEqual(await host.sandbox.snapshot(), snapshots[index], `${host.name}'s sysroot changed`);
  }
  // Production hosts already on the promoted commit are not even asked to deploy.
  for (const [index, host] of production.entries()) {
    assert.equal((await realJobs(fleet, host)).length, productionJobs[index], `${host.name} ran a job`);
  }
});

it('the deployment module rebases to another ref once, refuses a missing ref, and rebases back', async () => {
  const host = production[3]!;
  const [previous] = await sysroot(host);
  const dev = await runModule(fleet, rollout, host, 'deployment', { ref: DEV }, { diff: true });
  assert.equal(dev.code, 0, dev.stdout + dev.stderr);
  assert.equal(dev.result?.changed, true);
  assert.equal(dev.result?.job.type, 'deployment_rebase');
  assert.equal(dev.result?.deployment.origin, `${REMOTE}:${DEV}`);
  assert.match(dev.stdout, /\+lpa-fixture-devtool 0\.1-1/);
  const [onDevDefault, ...rest] = await sysroot(host);
  assert.equal(onDevDefault, `2.0 ${commits.dev} ${REMOTE}:${DEV}`);
  assert.ok(rest.includes(previous!), 'the previous default is kept to roll back to');
  const onDev = await sysroot(host);

  // The same ref, as the agent qualifies it (remote:ref) or not: already there.
  for (const ref of [DEV, `${REMOTE}:${DEV}`]) {
    const again = await runModule(fleet, rollout, host, 'deployment', { ref, checksum: commits.dev });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(again.result?.changed, false, ref);
    assert.equal(again.result?.job, undefined, `${ref} started a job`);
  }
  const unpinned = await runModule(fleet, rollout, host, 'deployment', { ref: DEV });
  assert.equal(unpinned.code, 0, unpinned.stdout + unpinned.stderr);
  assert.equal(unpinned.result?.changed, false);
  assert.notEqual(unpinned.result?.job?.type, 'deployment_rebase', 'rebased again onto the ref it follows');
  assert.deepEqual(await sysroot(host), onDev);

  const missing = await runModule(fleet, rollout, host, 'deployment', { ref: 'lpa/x86_64/missing' });
  assert.notEqual(missing.code, 0, missing.stdout);
  // The agent's job fails (ostree admin switch finds no such ref) and the task fails with its code.
  assert.equal(missing.result?.error_code, 'BACKEND_ERROR', missing.stdout);
  assert.match(missing.result?.msg, /^BACKEND_ERROR: job [0-9a-f-]{36} failed: .*Refspec 'lpa\/x86_64\/missing' not found/);
  assert.deepEqual(await sysroot(host), onDev, 'a missing ref changed the sysroot');

  const back = await runModule(fleet, rollout, host, 'deployment', { ref: PROD_ORIGIN, checksum: commits.prod2 });
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.equal(back.result?.changed, true);
  assert.equal((await sysroot(host))[0], `1.1 ${commits.prod2} ${PROD_ORIGIN}`);
});

it("the deployment module finds a commit published after the agent's last refresh, and checks it against checksum", async () => {
  const host = production[2]!;
  // The playbook runs above refreshed this agent's view of prod (GET /health, applies): it lists nothing newer now.
  const published = (
    await host.sandbox.ostree([
      'commit',
      `--repo=${host.sandbox.repo}`,
      `--branch=${PROD}`,
      `--tree=ref=${PROD}`,
      '--add-metadata-string=version=1.2',
      '--subject=published after the refresh',
    ])
  ).trim();
  const before = await sysroot(host);

  // A host told to end on the promoted commit would get the new one: refused already in check mode.
  const planned = await runModule(fleet, rollout, host, 'deployment', { checksum: commits.prod1 }, { check: true });
  assert.notEqual(planned.code, 0, planned.stdout);
  assert.equal(planned.result?.error_code, 'COMMIT_MISMATCH', planned.stdout);
  assert.equal(planned.result?.deployment.checksum, published);
  assert.deepEqual(await sysroot(host), before);

  const deployed = await runModule(fleet, rollout, host, 'deployment', {});
  assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
  assert.equal(deployed.result?.changed, true);
  assert.equal((await sysroot(host))[0], `1.2 ${published} ${PROD_ORIGIN}`);
});

it('a retried rebase adopts the unfinished job of the same ref, and a rebase to another ref is a job of its own', async () => {
  const host = production[0]!;
  // Another holder of the sysroot lock keeps the agent's rebase waiting (it waits lock_wait_seconds, 60).
  const lock = await holdFcntlLock(join(host.sandbox.root, 'ostree/lock'));
  try {
    const started = await runModule(fleet, rollout, host, 'deployment', { ref: DEV, wait: false });
    assert.equal(started.code, 0, started.stdout + started.stderr);
    assert.equal(started.result?.adopted, false);
    const retried = await runModule(fleet, rollout, host, 'deployment', { ref: DEV, wait: false });
    assert.equal(retried.result?.adopted, true, retried.stdout);
    assert.equal(retried.result?.job.id, started.result?.job.id);
    const other = await runModule(fleet, rollout, host, 'deployment', { ref: 'lpa/x86_64/missing', wait: false });
    assert.equal(other.result?.adopted, false, other.stdout);
    assert.notEqual(other.result?.job.id, started.result?.job.id, 'a rebase to another ref adopted the dev job');
  } finally {
    await lock.release();
  }
  const rebases = (await realJobs(fleet, host)).filter((job) => job.type === 'deployment_rebase');
  assert.equal(rebases.length, 2);
  const finished = await runModule(fleet, rollout, host, 'job_info', { id: rebases[0]!.id, wait: true });
  assert.equal(finished.code, 0, finished.stdout + finished.stderr);
  await runModule(fleet, rollout, host, 'job_info', { id: rebases[1]!.id, wait: true });
  assert.equal((await sysroot(host))[0], `2.0 ${commits.dev} ${REMOTE}:${DEV}`);
});
