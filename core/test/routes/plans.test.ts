import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { FakePackageManager } from '../../../test/support/fake-package-manager/index.js';
import type { BackendCapabilities, PackageManagerBackend, PackageSpec } from '../../src/index.js';
import { DEFAULT_BACKEND_CAPABILITIES } from '../../src/index.js';
import { type RouteAgent, startRouteAgent } from './route-agent.js';

const INSTALLED = { hello: '1.0', tool: '2.0' };
const REPO = { hello: ['0.9', '1.0', '1.1'], tool: ['2.0', '2.1'], dep: ['1.0'] };

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent({ db: { installed: INSTALLED, repo: REPO } });
});
after(() => a.stop());

// Replaces the file, so that the agent's own reads during a job never see half a database.
const writeDb: FakePackageManager['update'] = (change) => a.pm.update(change);

const backend = () => a.backend as PackageManagerBackend;

let eventsBefore = 0;
beforeEach(async () => {
  eventsBefore = (await a.pm.events()).length;
  await writeDb((db) => {
    db.installed = { ...INSTALLED };
    db.repo = structuredClone(REPO);
  });
  delete backend().capabilities;
  delete backend().findUnavailableVersions;
});

/** Package-manager runs of the current test other than index refreshes. */
const mutationEvents = async () => (await a.pm.events()).slice(eventsBefore).filter((event) => !event.endsWith(' refresh'));

test('GET /capabilities of a backend written against plugin API 1.0 shows the 1.0 defaults and the agent around it', async () => {
  const res = await a.call('GET', '/capabilities');
  assert.equal(res.status, 200);
  const data = res.json.data;
  assert.equal(data.api_version, '1.1');
  assert.equal(data.backend.name, 'fake-pm');
  assert.deepEqual(data.operations, { ...DEFAULT_BACKEND_CAPABILITIES.operations, package_layering: true });
  assert.equal(data.operations.patch_apply.pinned_versions, false);
  assert.deepEqual(data.advisories, {
    ...DEFAULT_BACKEND_CAPABILITIES.advisories,
    cves: false,
    url: false,
    issued: false,
    classification: false,
    feeds: [],
  });
  assert.equal(data.limits.max_packages_per_request, 100);
  assert.deepEqual(Object.keys(data.hook_taps).sort(), ['before_apply', 'cache_refresh', 'on_job_update']);
  assert.ok(data.hook_taps.on_job_update.length > 0, 'the audit trail and the job stream tap onJobUpdate');
});

test('the OpenAPI document describes /capabilities, dry_run on DELETE, plan_hash and pinned pairs', async () => {
  const res = await a.call('GET', '/openapi.json');
  const doc = res.json.paths === undefined ? res.json.data : res.json;
  assert.ok(doc.paths['/capabilities']?.get, 'GET /capabilities is documented');
  const remove = doc.paths['/packages/{name}'].delete;
  assert.ok(
    remove.parameters.some((parameter: { name: string; in: string }) => parameter.name === 'dry_run' && parameter.in === 'query'),
  );
  const text = JSON.stringify(doc);
  assert.match(text, /"plan_hash"/);
  assert.match(text, /If-Match/);
});

test('a feature the backend declares unsupported is 409 NOT_SUPPORTED before any process starts', async () => {
  const declared: BackendCapabilities = structuredClone(DEFAULT_BACKEND_CAPABILITIES) as BackendCapabilities;
  declared.operations.patch_apply.security_only = false;
  declared.operations.patch_apply.selected = false;
  declared.operations.install.version_pin = false;
  declared.operations.update.downgrade = false;
  declared.operations.remove.dry_run = false;
  backend().capabilities = () => declared;
  const before = await a.pm.events();
  const refusals: [string, string, unknown][] = [
    ['POST', '/patches/apply', { security_only: true }],
    ['POST', '/patches/apply', { packages: ['hello'] }],
    ['POST', '/packages', { packages: [{ name: 'dep', version: '1.0' }] }],
    ['PUT', '/packages/hello', { version: '0.9' }],
    ['DELETE', '/packages/hello?dry_run=true', undefined],
  ];
  for (const [method, path, body] of refusals) {
    const res = await a.call(method, path, body);
    assert.equal(res.status, 409, `${method} ${path}`);
    assert.equal(res.json.error.code, 'NOT_SUPPORTED', `${method} ${path}`);
  }
  assert.deepEqual(await a.pm.events(), before, 'no package-manager process ran');
  assert.deepEqual(
    (await a.call('GET', '/jobs')).json.data.jobs.filter((job: { status: string }) => job.status === 'pending'),
    [],
  );
  // A list naming every upgradable package is the whole upgrade: accepted.
  const whole = await a.call('POST', '/patches/apply', { packages: ['hello', 'tool'], dry_run: true });
  assert.equal(whole.status, 202);
  assert.equal((await a.waitForJob(whole.json.data.id)).status, 'completed');
  // The flags come back in GET /capabilities.
  assert.equal((await a.call('GET', '/capabilities')).json.data.operations.patch_apply.security_only, false);
});

test('PUT and DELETE of a package that is not installed answer 404 at once', async () => {
  const before = (await a.call('GET', '/jobs')).json.data.total;
  for (const [method, body] of [
    ['PUT', { version: '1.0' }],
    ['DELETE', undefined],
  ] as const) {
    const res = await a.call(method, '/packages/dep', body);
    assert.equal(res.status, 404, method);
    assert.equal(res.json.error.code, 'NOT_FOUND');
  }
  assert.equal((await a.call('GET', '/jobs')).json.data.total, before, 'no job was created');
});

test('a dry run of every mutating request plans, hashes, sends the hash as ETag and changes nothing', async () => {
  const requests: [string, string, unknown, string][] = [
    ['POST', '/packages', { packages: [{ name: 'dep' }], dry_run: true }, 'dep'],
    ['PUT', '/packages/hello', { version: '0.9', dry_run: true }, 'hello'],
    ['DELETE', '/packages/tool?dry_run=true', undefined, 'tool'],
    ['POST', '/patches/apply', { dry_run: true }, 'hello'],
  ];
  const hashes = new Set<string>();
  for (const [method, path, body, name] of requests) {
    const res = await a.call(method, path, body);
    assert.equal(res.status, 202, `${method} ${path}`);
    const job = await a.waitForJob(res.json.data.id);
    assert.equal(job.status, 'completed', `${method} ${path}: ${JSON.stringify(job.error)}`);
    assert.ok(
      job.plan?.some((change) => change.name === name),
      `${method} ${path} plans ${name}`,
    );
    assert.match(job.plan_hash ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(job.changes, []);
    const fetched = await a.call('GET', `/jobs/${job.id}`);
    assert.equal(fetched.headers.etag, `"${job.plan_hash}"`);
    hashes.add(job.plan_hash as string);
  }
  assert.equal(hashes.size, requests.length, 'different requests have different hashes');
  assert.deepEqual((await a.pm.read()).installed, INSTALLED);
  assert.deepEqual(await mutationEvents(), [], 'only index refreshes ran');
  assert.equal((await a.call('DELETE', '/packages/tool?dry_run=maybe')).status, 400);
});

async function dryRun(method: string, path: string, body: unknown) {
  const res = await a.call(method, path, body);
  const job = await a.waitForJob(res.json.data.id);
  assert.equal(job.status, 'completed');
  return job;
}

test('If-Match with the dry run of the same request applies exactly that plan', async () => {
  const plan = await dryRun('PUT', '/packages/hello', { dry_run: true });
  const res = await a.call('PUT', '/packages/hello', {}, { 'If-Match': `"${plan.plan_hash}"` });
  assert.equal(res.status, 202);
  const job = await a.waitForJob(res.json.data.id);
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.equal(job.plan_hash, plan.plan_hash);
  assert.deepEqual(job.changes, plan.plan);
  assert.equal((await a.pm.read()).installed.hello, '1.1');
});

test('a matched If-Match installs the planned versions as pins, not what the index offers by the time it runs', async () => {
  const plan = await dryRun('PUT', '/packages/hello', { dry_run: true });
  assert.deepEqual(plan.plan, [{ name: 'hello', action: 'upgraded', from_version: '1.0', to_version: '1.1' }]);
  // A newer version appears after the plan was made again under the lock and judged, before the
  // package manager runs: resolving the request afresh would now install it.
  let publish = true;
  a.t.agent.services.hooks.beforeApply.tapPromise('publish-after-judging', async () => {
    if (!publish) return undefined;
    publish = false;
    await writeDb((db) => {
      db.repo.hello?.push('1.2');
    });
    return undefined;
  });
  const res = await a.call('PUT', '/packages/hello', {}, { 'If-Match': `"${plan.plan_hash}"` });
  assert.equal(res.status, 202);
  const job = await a.waitForJob(res.json.data.id);
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.equal((await a.pm.read()).installed.hello, '1.1');
  assert.deepEqual(job.changes, plan.plan);
  // One run of the versioned install (`install hello=1.1`), not the update path (`upgrade hello`).
  assert.deepEqual(
    (await mutationEvents()).map((event) => event.split(' ')[2]),
    ['install', 'install'],
  );
  assert.ok(job.log.includes('applying the plan If-Match names: install pinned hello 1.1'), job.log.join('\n'));
});

test('a matched plan of a removal removes exactly the planned packages, and an empty plan runs nothing', async () => {
  const plan = await dryRun('DELETE', '/packages/tool?dry_run=true', undefined);
  const res = await a.call('DELETE', '/packages/tool', undefined, { 'If-Match': `"${plan.plan_hash}"` });
  const job = await a.waitForJob(res.json.data.id);
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(job.changes, plan.plan);
  assert.equal((await a.pm.read()).installed.tool, undefined);
  assert.deepEqual(
    (await mutationEvents()).map((event) => event.split(' ')[2]),
    ['remove', 'remove'],
  );

  await writeDb((db) => {
    db.repo = { hello: ['1.0'], tool: ['2.0'] };
    db.installed = { hello: '1.0' };
  });
  const empty = await dryRun('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(empty.plan, []);
  const before = (await a.pm.events()).length;
  const none = await a.waitForJob(
    (await a.call('POST', '/patches/apply', {}, { 'If-Match': `"${empty.plan_hash}"` })).json.data.id,
  );
  assert.equal(none.status, 'completed', JSON.stringify(none.error));
  assert.deepEqual(
    (await a.pm.events()).slice(before).filter((event) => !event.endsWith(' refresh')),
    [],
    'an empty matched plan starts no package-manager mutation',
  );
});

test('If-Match is 412 at once for an unknown hash, another request, or when the index or the installed set moved', async () => {
  const plan = await dryRun('POST', '/patches/apply', { dry_run: true });
  const ifMatch = { 'If-Match': `"${plan.plan_hash}"` };
  const unknown = await a.call('POST', '/patches/apply', {}, { 'If-Match': `"${'0'.repeat(64)}"` });
  assert.equal(unknown.status, 412);
  assert.equal(unknown.json.error.code, 'PRECONDITION_FAILED');
  const other = await a.call('POST', '/patches/apply', { packages: ['hello'] }, ifMatch);
  assert.equal(other.status, 412);

  await writeDb((db) => {
    db.repo.hello?.push('1.2');
  });
  const published = await a.call('POST', '/patches/apply', {}, ifMatch);
  assert.equal(published.status, 412);
  assert.deepEqual(published.json.error.details.moved, ['package_index']);

  await writeDb((db) => {
    db.repo = structuredClone(REPO);
    db.installed.dep = '1.0';
  });
  const outOfBand = await a.call('POST', '/patches/apply', {}, ifMatch);
  assert.equal(outOfBand.status, 412);
  assert.deepEqual(outOfBand.json.error.details.moved, ['installed']);
  assert.deepEqual(await mutationEvents(), []);
});

test('a plan that differs when made again under the lock fails the job PLAN_CHANGED and changes nothing', async () => {
  const plan = await dryRun('POST', '/patches/apply', { dry_run: true });
  // The index moves during the apply's own refresh, after the 412 check passed.
  let publish = true;
  a.t.agent.services.hooks.cacheRefresh.tapPromise('publish-newer', async () => {
    if (!publish) return;
    publish = false;
    await writeDb((db) => {
      db.repo.tool?.push('2.2');
    });
  });
  const res = await a.call('POST', '/patches/apply', {}, { 'If-Match': `"${plan.plan_hash}"` });
  assert.equal(res.status, 202);
  const job = await a.waitForJob(res.json.data.id);
  assert.equal(job.status, 'failed');
  assert.equal(job.error?.code, 'PLAN_CHANGED');
  assert.notEqual(job.plan_hash, plan.plan_hash);
  assert.deepEqual(job.changes, []);
  assert.deepEqual((await a.pm.read()).installed, INSTALLED);
  assert.deepEqual(await mutationEvents(), []);
});

function declarePinnedApplies(): void {
  const declared = structuredClone(DEFAULT_BACKEND_CAPABILITIES) as BackendCapabilities;
  declared.operations.patch_apply.pinned_versions = true;
  backend().capabilities = () => declared;
  backend().findUnavailableVersions = async (specs: readonly Required<PackageSpec>[]) => {
    const db = await a.pm.read();
    return specs.filter((spec) => !(db.repo[spec.name] ?? []).includes(spec.version) && db.installed[spec.name] !== spec.version);
  };
}

test('a pinned apply is refused 409 by a backend that does not declare it', async () => {
  const res = await a.call('POST', '/patches/apply', { packages: [{ name: 'hello', version: '0.9' }] });
  assert.equal(res.status, 409);
  assert.equal(res.json.error.code, 'NOT_SUPPORTED');
});

test('a pinned apply brings each package to exactly its version, down or up', async () => {
  declarePinnedApplies();
  const res = await a.call('POST', '/patches/apply', {
    packages: [
      { name: 'hello', version: '0.9' },
      { name: 'tool', version: '2.1' },
    ],
  });
  assert.equal(res.status, 202);
  const job = await a.waitForJob(res.json.data.id);
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual((await a.pm.read()).installed, { hello: '0.9', tool: '2.1' });
  assert.deepEqual(
    job.changes.map((change) => [change.name, change.action, change.to_version]),
    [
      ['hello', 'downgraded', '0.9'],
      ['tool', 'upgraded', '2.1'],
    ],
  );
});

test('a pinned apply with unavailable pairs fails VERSION_UNAVAILABLE naming each, before anything changes', async () => {
  declarePinnedApplies();
  const res = await a.call('POST', '/patches/apply', {
    packages: [
      { name: 'hello', version: '0.9' },
      { name: 'tool', version: '9.9' },
      { name: 'ghost', version: '1.0' },
    ],
  });
  const job = await a.waitForJob(res.json.data.id);
  assert.equal(job.status, 'failed');
  assert.equal(job.error?.code, 'VERSION_UNAVAILABLE');
  assert.deepEqual(job.error?.details?.missing, [
    { name: 'tool', version: '9.9' },
    { name: 'ghost', version: '1.0' },
  ]);
  assert.deepEqual((await a.pm.read()).installed, INSTALLED);
  assert.deepEqual(await mutationEvents(), []);
  const twice = await a.call('POST', '/patches/apply', {
    packages: [
      { name: 'hello', version: '0.9' },
      { name: 'hello', version: '1.1' },
    ],
  });
  assert.equal(twice.status, 400);
});

test('a rollback with If-Match is 412: it has no dry run whose plan could match', async () => {
  const install = await a.call('POST', '/packages', { packages: [{ name: 'dep' }] });
  const job = await a.waitForJob(install.json.data.id);
  assert.equal(job.status, 'completed');
  const res = await a.call('POST', `/jobs/${job.id}/rollback`, undefined, { 'If-Match': `"${'a'.repeat(64)}"` });
  assert.equal(res.status, 412);
  assert.equal(res.json.error.code, 'PRECONDITION_FAILED');
  assert.equal((await a.pm.read()).installed.dep, '1.0', 'nothing was rolled back');
});
