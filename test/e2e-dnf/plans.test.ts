import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { assertDryRuns, ifMatch, summary } from '../support/plans.js';
import { fingerprintFile, makeSandboxDir } from '../support/sandbox/common.js';
import { buildFixtureRepo } from '../support/sandbox/dnf.js';
import { DEP, HELLO, hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`, `${SEC}-1.0-1`] });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

/** The rpm database files by content (sqlite's shared-memory index changes on a mere read). */
function rpmDb(): string {
  const dir = join(agent.sandbox.root, 'var/lib/rpm');
  return readdirSync(dir)
    .filter((entry) => !entry.endsWith('-shm'))
    .sort()
    .map((entry) => `${entry}:${fingerprintFile(join(dir, entry))}`)
    .join('\n');
}

it('GET /capabilities declares what dnf does', async () => {
  const res = await agent.request('GET', '/capabilities');
  assert.equal(res.status, 200);
  const { backend, operations, advisories } = res.json.data;
  assert.equal(backend.name, 'dnf');
  assert.match(backend.version, /^\d+\.\d+/);
  assert.equal(operations.patch_apply.selected, true);
  assert.equal(operations.patch_apply.pinned_versions, true);
  // updateinfo list prints no links or dates, and dnf reads no operator feed.
  assert.deepEqual(advisories, {
    security: true,
    severity: true,
    advisory_ids: true,
    cves: true,
    url: false,
    issued: false,
    classification: true,
    feeds: [],
  });
});

it('a dry run on each mutating endpoint leaves the rpm database byte-identical', async () => {
  const before = rpmDb();
  await assertDryRuns(agent, [
    ['POST', '/packages', { packages: [{ name: DEP }], dry_run: true }],
    ['PUT', `/packages/${HELLO}`, { dry_run: true }],
    ['DELETE', `/packages/${SEC}?dry_run=true`, undefined],
    ['POST', '/patches/apply', { dry_run: true }],
  ] as const);
  assert.equal(rpmDb(), before);
  assert.equal((await agent.request('PUT', `/packages/${DEP}`)).status, 404);
});

it('If-Match with the dry run installs exactly the plan', async () => {
  const plan = await agent.runJob('PUT', `/packages/${HELLO}`, { dry_run: true });
  assert.deepEqual(summary(plan.plan), [`installed ${DEP} 1.0-1`, `upgraded ${HELLO} 1.1-1`]);
  const job = await agent.runJob('PUT', `/packages/${HELLO}`, undefined, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(summary(job.changes), summary(plan.plan));
});

it('a pinned apply downgrades and upgrades to exact versions; VERSION_UNAVAILABLE changes nothing', async () => {
  const before = rpmDb();
  const missing = await agent.runJob('POST', '/patches/apply', {
    packages: [
      { name: HELLO, version: '1.0-1' },
      { name: SEC, version: '9.9-1' },
    ],
  });
  assert.equal(missing.status, 'failed');
  assert.equal(missing.error.code, 'VERSION_UNAVAILABLE');
  assert.deepEqual(missing.error.details.missing, [{ name: SEC, version: '9.9-1' }]);
  assert.equal(rpmDb(), before);

  const pinned = await agent.runJob('POST', '/patches/apply', {
    packages: [
      { name: HELLO, version: '1.0-1' },
      { name: SEC, version: '1.1-1' },
    ],
  });
  assert.equal(pinned.status, 'completed', JSON.stringify(pinned.error));
  assert.deepEqual(summary(pinned.changes), [`downgraded ${HELLO} 1.0-1`, `upgraded ${SEC} 1.1-1`]);
  const installed = await agent.sandbox.installed();
  assert.equal(installed.get(HELLO), '1.0-1');
  assert.equal(installed.get(SEC), '1.1-1');
});

it('after the repository publishes a newer version, the same If-Match gets PLAN_CHANGED or 412 and nothing changes', async () => {
  const plan = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(summary(plan.plan), [`upgraded ${HELLO} 1.1-1`]);
  const before = rpmDb();

  const extra = await buildFixtureRepo(makeSandboxDir('rpm-extra'), [{ name: HELLO, version: '1.2', release: '1' }]);
  await writeFile(
    join(agent.sandbox.root, 'etc/yum.repos.d/extra.repo'),
    ['[extra]', 'name=Extra', `baseurl=file://${extra}`, 'enabled=1', 'gpgcheck=0', 'metadata_expire=0', ''].join('\n'),
  );
  const changed = await agent.runJob('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(changed.status, 'failed');
  assert.equal(changed.error.code, 'PLAN_CHANGED');
  assert.deepEqual(summary(changed.plan), [`upgraded ${HELLO} 1.2-1`]);
  assert.deepEqual(changed.changes, []);
  assert.equal(rpmDb(), before);

  const refused = await agent.request('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(refused.status, 412);
  assert.deepEqual(refused.json.error.details.moved, ['package_index']);

  const fresh = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  await agent.sandbox.dnf(['remove', '--', SEC]);
  const outOfBand = await agent.request('POST', '/patches/apply', {}, ifMatch(fresh));
  assert.equal(outOfBand.status, 412);
  assert.deepEqual(outOfBand.json.error.details.moved, ['installed']);
});
