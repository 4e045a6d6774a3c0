import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { ifMatch } from '../support/plans.js';
import { DEP, HELLO, publishAptPackages, SEC } from '../support/sandbox/apt.js';
import { fingerprintFile } from '../support/sandbox/common.js';
import { type AptAgent, hostPackageState, type JobRecord, startAptAgent, versions } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

const status = () => fingerprintFile(join(agent.sandbox.root, 'var/lib/dpkg/status'));
const planOf = (job: JobRecord) =>
  (job.plan as { name: string; action: string; to_version: string }[]).map((c) => `${c.action} ${c.name} ${c.to_version}`).sort();
const changesOf = (job: JobRecord) =>
  (job.changes as { name: string; action: string; to_version: string }[])
    .map((c) => `${c.action} ${c.name} ${c.to_version}`)
    .sort();

it('GET /capabilities declares what apt does', async () => {
  const res = await agent.request('GET', '/capabilities');
  assert.equal(res.status, 200);
  const { backend, operations, advisories } = res.json.data;
  assert.equal(backend.name, 'apt');
  assert.match(backend.version, /^\d+\.\d+/);
  assert.equal(backend.root, agent.sandbox.root);
  assert.equal(operations.patch_apply.selected, true);
  assert.equal(operations.patch_apply.security_only, true);
  assert.equal(operations.patch_apply.pinned_versions, true);
  assert.equal(operations.remove.cascade, true);
  // Without advisories.debian_tracker_json only the suite is known (see advisories.test.ts for the feed).
  assert.deepEqual(advisories, {
    security: true,
    severity: false,
    advisory_ids: false,
    cves: false,
    url: false,
    issued: false,
    classification: true,
    feeds: ['debian_tracker_json'],
  });
});

it('a dry run on each mutating endpoint leaves the package database byte-identical', async () => {
  const before = status();
  const runs: [string, string, unknown][] = [
    ['POST', '/packages', { packages: [{ name: DEP }], dry_run: true }],
    ['PUT', `/packages/${HELLO}`, { dry_run: true }],
    ['DELETE', `/packages/${SEC}?dry_run=true`, undefined],
    ['POST', '/patches/apply', { dry_run: true }],
    ['POST', '/patches/apply', { packages: [{ name: HELLO, version: '1.1-1' }], dry_run: true }],
  ];
  for (const [method, path, body] of runs) {
    const job = await agent.runJob(method, path, body);
    assert.equal(job.status, 'completed', `${method} ${path}: ${JSON.stringify(job.error)}`);
    assert.match(job.plan_hash, /^[0-9a-f]{64}$/);
    assert.ok(job.plan.length > 0, `${method} ${path} plans something`);
    assert.deepEqual(job.changes, []);
    assert.equal((await agent.request('GET', `/jobs/${job.id}`)).headers.etag, `"${job.plan_hash}"`);
  }
  assert.equal(status(), before);
});

it('PUT and DELETE of a package that is not installed are 404 at once', async () => {
  assert.equal((await agent.request('PUT', `/packages/${DEP}`)).status, 404);
  assert.equal((await agent.request('DELETE', `/packages/${DEP}`)).status, 404);
});

it('If-Match with the dry run of an update installs exactly the plan', async () => {
  const plan = await agent.runJob('PUT', `/packages/${SEC}`, { dry_run: true });
  assert.deepEqual(planOf(plan), [`upgraded ${SEC} 1.1-1`]);
  const job = await agent.runJob('PUT', `/packages/${SEC}`, undefined, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.equal(job.plan_hash, plan.plan_hash);
  assert.deepEqual(changesOf(job), planOf(plan));
  assert.equal((await agent.sandbox.dpkgQuery()).get(SEC), '1.1-1');
});

it('a pinned apply downgrades and upgrades to exact versions; an unavailable pair fails VERSION_UNAVAILABLE and changes nothing', async () => {
  const missing = await agent.runJob('POST', '/patches/apply', {
    packages: [
      { name: SEC, version: '1.0-1' },
      { name: HELLO, version: '9.9-1' },
      { name: DEP, version: '0.1-1' },
    ],
  });
  const before = status();
  assert.equal(missing.status, 'failed');
  assert.equal(missing.error.code, 'VERSION_UNAVAILABLE');
  assert.deepEqual(missing.error.details.missing, [
    { name: HELLO, version: '9.9-1' },
    { name: DEP, version: '0.1-1' },
  ]);
  assert.deepEqual(missing.changes, []);
  assert.equal(status(), before);

  const pinned = await agent.runJob('POST', '/patches/apply', {
    packages: [
      { name: SEC, version: '1.0-1' },
      { name: HELLO, version: '1.1-1' },
    ],
  });
  assert.equal(pinned.status, 'completed', JSON.stringify(pinned.error));
  const installed = versions(await agent.sandbox.dpkgQuery());
  assert.equal(installed[SEC], '1.0-1');
  assert.equal(installed[HELLO], '1.1-1');
  assert.deepEqual(changesOf(pinned), [`downgraded ${SEC} 1.0-1`, `installed ${DEP} 1.0-1`, `upgraded ${HELLO} 1.1-1`]);
});

it('after the repository publishes a newer version, the same If-Match gets 412 or PLAN_CHANGED and nothing changes', async () => {
  const plan = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(planOf(plan), [`upgraded ${SEC} 1.1-1`]);
  const before = status();

  // Published, not yet fetched: the check at submit passes, the apply's own refresh fetches it.
  await publishAptPackages(agent.sandbox, [{ name: SEC, version: '1.2-1' }]);
  const changed = await agent.runJob('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(changed.status, 'failed');
  assert.equal(changed.error.code, 'PLAN_CHANGED');
  assert.deepEqual(planOf(changed), [`upgraded ${SEC} 1.2-1`]);
  assert.deepEqual(changed.changes, []);
  assert.equal(status(), before);

  // Now the index on disk differs from the plan's: refused at once.
  const refused = await agent.request('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(refused.status, 412);
  assert.equal(refused.json.error.code, 'PRECONDITION_FAILED');
  assert.deepEqual(refused.json.error.details.moved, ['package_index']);

  // A change made outside the agent moves the installed set.
  const fresh = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  await agent.sandbox.aptGet(['-y', '-q', 'remove', '--', HELLO]);
  const outOfBand = await agent.request('POST', '/patches/apply', {}, ifMatch(fresh));
  assert.equal(outOfBand.status, 412);
  assert.deepEqual(outOfBand.json.error.details.moved, ['installed']);
  assert.equal((await agent.sandbox.dpkgQuery()).get(SEC), '1.0-1');
});
