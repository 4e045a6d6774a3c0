import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { assertDryRuns, ifMatch, summary } from '../support/plans.js';
import { fingerprintFile } from '../support/sandbox/common.js';
import { DEP, HELLO } from '../support/sandbox/pacman.js';
import { hostPacmanState, type PacmanAgent, startPacmanAgent, versions } from './support.js';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
before(async () => {
  agent = await startPacmanAgent({ sandbox: { stage: 1, install: [HELLO] } });
  await agent.sandbox.publish(2);
  await agent.sandbox.pacman(['-Syy']);
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

/** Every file of the local package database, by content. */
function localDb(): string {
  const local = join(agent.sandbox.dbPath, 'local');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(`${path}:${fingerprintFile(path)}`);
    }
  };
  walk(local);
  return files.sort().join('\n');
}

it('GET /capabilities differs from apt where pacman differs: no partial or security-only applies, rollbacks from the cache', async () => {
  const res = await agent.request('GET', '/capabilities');
  assert.equal(res.status, 200);
  const { backend, operations, advisories } = res.json.data;
  assert.equal(backend.name, 'pacman');
  assert.match(backend.version, /^\d+\.\d+/);
  assert.equal(operations.patch_apply.selected, false);
  assert.equal(operations.patch_apply.security_only, false);
  assert.equal(operations.patch_apply.pinned_versions, true);
  assert.deepEqual(operations.rollback.sources, ['store', 'repo', 'cache']);
  // Without advisories.arch_audit_json nothing is known about advisories (see advisories.test.ts for the feed).
  assert.deepEqual(advisories, {
    security: false,
    severity: false,
    advisory_ids: false,
    cves: false,
    url: false,
    issued: false,
    classification: false,
    feeds: ['arch_audit_json'],
  });
});

it('a feature declared unsupported is refused 409 NOT_SUPPORTED before pacman runs', async () => {
  const log = await agent.pacmanLog();
  const before = localDb();
  for (const body of [{ security_only: true }, { packages: [DEP] }, { security_only: true, dry_run: true }]) {
    const res = await agent.request('POST', '/patches/apply', body);
    assert.equal(res.status, 409, res.text);
    assert.equal(res.json.error.code, 'NOT_SUPPORTED');
  }
  assert.equal(await agent.pacmanLog(), log, 'pacman did not run');
  assert.equal(localDb(), before);
});

it('a dry run on each mutating endpoint leaves the local database byte-identical', async () => {
  const before = localDb();
  await assertDryRuns(agent, [
    ['POST', '/packages', { packages: [{ name: DEP }], dry_run: true }],
    ['PUT', `/packages/${HELLO}`, { dry_run: true }],
    ['DELETE', `/packages/${HELLO}?dry_run=true`, undefined],
    ['POST', '/patches/apply', { dry_run: true }],
  ] as const);
  assert.equal(localDb(), before);
  assert.equal((await agent.request('DELETE', `/packages/${DEP}`)).status, 404);
});

it('If-Match with the dry run installs exactly the plan', async () => {
  const plan = await agent.runJob('PUT', `/packages/${HELLO}`, { dry_run: true });
  assert.deepEqual(summary(plan.plan), [`installed ${DEP} 1.0-1`, `upgraded ${HELLO} 1.1-1`]);
  const job = await agent.runJob('PUT', `/packages/${HELLO}`, undefined, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(summary(job.changes), summary(plan.plan));
});

it('pinned applies downgrade from the package cache and upgrade from the repository; VERSION_UNAVAILABLE changes nothing', async () => {
  const before = localDb();
  const missing = await agent.runJob('POST', '/patches/apply', {
    packages: [
      { name: HELLO, version: '9.9-1' },
      { name: DEP, version: '0.1-1' },
    ],
  });
  assert.equal(missing.status, 'failed');
  assert.equal(missing.error.code, 'VERSION_UNAVAILABLE');
  assert.deepEqual(missing.error.details.missing, [
    { name: HELLO, version: '9.9-1' },
    { name: DEP, version: '0.1-1' },
  ]);
  assert.equal(localDb(), before);

  const down = await agent.runJob('POST', '/patches/apply', { packages: [{ name: HELLO, version: '1.0-1' }] });
  assert.equal(down.status, 'completed', JSON.stringify(down.error));
  assert.deepEqual(summary(down.changes), [`downgraded ${HELLO} 1.0-1`]);
  const up = await agent.runJob('POST', '/patches/apply', { packages: [{ name: HELLO, version: '1.1-1' }] });
  assert.equal(up.status, 'completed', JSON.stringify(up.error));
  assert.deepEqual(summary(up.changes), [`upgraded ${HELLO} 1.1-1`]);
  assert.deepEqual(versions(await agent.sandbox.query()), { [DEP]: '1.0-1', [HELLO]: '1.1-1' });
});

it('after the repository changes, the same If-Match gets PLAN_CHANGED (fetched during the job) or 412 (already fetched)', async () => {
  const down = await agent.runJob('POST', '/patches/apply', { packages: [{ name: HELLO, version: '1.0-1' }] });
  assert.equal(down.status, 'completed');
  const plan = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(summary(plan.plan), [`upgraded ${HELLO} 1.1-1`]);
  const before = localDb();

  await agent.sandbox.publish(1);
  const changed = await agent.runJob('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(changed.status, 'failed');
  assert.equal(changed.error.code, 'PLAN_CHANGED');
  assert.deepEqual(changed.changes, []);
  assert.equal(localDb(), before);

  const refused = await agent.request('POST', '/patches/apply', {}, ifMatch(plan));
  assert.equal(refused.status, 412);
  assert.deepEqual(refused.json.error.details.moved, ['package_index']);
  assert.equal(localDb(), before);
});
