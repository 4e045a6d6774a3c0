import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { packageListSchema, packageSchema } from '../../src/http/schemas/package.js';
import { type RouteAgent, startRouteAgent } from './route-agent.js';

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent({
    db: {
      installed: { hello: '1.0', 'libhello-dev': '1.0', tool: '2.0', zlib: '1.3' },
      repo: { hello: ['1.0', '1.1'], 'libhello-dev': ['1.0'], tool: ['2.0'], zlib: ['1.3'], dep: ['1.0'] },
    },
  });
});
after(() => a.stop());

const names = (res: { json: { data: { packages: { name: string }[] } } }) => res.json.data.packages.map((pkg) => pkg.name);

test('GET /packages lists installed packages with data.packages and data.total', async () => {
  const res = await a.call('GET', '/packages');
  assert.equal(res.status, 200);
  assert.deepEqual(names(res), ['hello', 'libhello-dev', 'tool', 'zlib']);
  assert.equal(res.json.data.total, 4);
  packageListSchema.strict().parse(res.json.data);
  const hello = res.json.data.packages[0];
  assert.deepEqual(Object.keys(hello).sort(), [
    'architecture',
    'available_version',
    'description',
    'installed_size',
    'name',
    'status',
    'upgradable',
    'version',
  ]);
  assert.equal(hello.upgradable, true);
  assert.equal(hello.available_version, '1.1');
});

test('GET /packages filters: name substring or glob, version, status, upgradable; limit/offset page after total', async () => {
  assert.deepEqual(names(await a.call('GET', '/packages?name=hello')), ['hello', 'libhello-dev']);
  assert.deepEqual(names(await a.call('GET', '/packages?name=h*')), ['hello']);
  assert.deepEqual(names(await a.call('GET', '/packages?name=*-dev')), ['libhello-dev']);
  assert.deepEqual(names(await a.call('GET', '/packages?name=t?ol')), ['tool']);
  assert.deepEqual(names(await a.call('GET', '/packages?name=%5Btz%5D*')), ['tool', 'zlib']);
  assert.deepEqual(names(await a.call('GET', '/packages?version=1.0')), ['hello', 'libhello-dev']);
  assert.deepEqual(names(await a.call('GET', '/packages?status=installed')).length, 4);
  assert.deepEqual(names(await a.call('GET', '/packages?status=half-configured')), []);
  assert.deepEqual(names(await a.call('GET', '/packages?upgradable=true')), ['hello']);
  assert.deepEqual(names(await a.call('GET', '/packages?upgradable=false')), ['libhello-dev', 'tool', 'zlib']);
  const page = await a.call('GET', '/packages?limit=2&offset=1');
  assert.deepEqual(names(page), ['libhello-dev', 'tool']);
  assert.equal(page.json.data.total, 4);
});

test('GET /packages refuses bad filters with VALIDATION_ERROR', async () => {
  for (const query of ['upgradable=yes', 'limit=-1', 'offset=x', 'colour=blue']) {
    const res = await a.call('GET', `/packages?${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.json.error.code, 'VALIDATION_ERROR');
  }
});

test('GET /packages/{name}: one package, 404 when not installed, 400 for a name the distro refuses', async () => {
  const res = await a.call('GET', '/packages/hello');
  assert.equal(res.status, 200);
  assert.equal(res.json.data.name, 'hello');
  assert.equal(res.json.data.available_version, '1.1');
  packageSchema.strict().parse(res.json.data);
  const missing = await a.call('GET', '/packages/nosuch');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'NOT_FOUND');
  const bad = await a.call('GET', '/packages/-rf');
  assert.equal(bad.status, 400);
});

test('POST /packages → 202, the pending job and Location; the job installs', async () => {
  const res = await a.call('POST', '/packages', { packages: [{ name: 'dep', version: '1.0' }] });
  assert.equal(res.status, 202);
  assert.equal(res.json.success, true);
  const job = res.json.data;
  assert.equal(job.type, 'package_install');
  assert.equal(job.status, 'pending');
  assert.equal(job.client, 'test-admin');
  assert.equal(res.headers.location, `/jobs/${job.id}`);
  const done = await a.waitForJob(job.id);
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.changes, [{ name: 'dep', action: 'installed', from_version: null, to_version: '1.0' }]);
  const intent = await a.t.waitForAudit('job_intent', (record) => record.job_id === job.id);
  assert.equal((intent.client as { cn: string }).cn, 'test-admin');
  assert.equal(intent.request_id, res.json.request_id, 'the intent names the request that asked for it');
});

test('POST /packages validation: count, length, grammar, unknown fields; nothing runs', async () => {
  const before = (await a.pm.events()).length;
  const cases: unknown[] = [
    { packages: [] },
    { packages: Array.from({ length: 101 }, (_, i) => ({ name: `p${i}` })) },
    { packages: [{ name: 'a'.repeat(256) }] },
    { packages: [{ name: 'dep', version: '1'.repeat(256) }] },
    { packages: [{ name: '--allow-downgrades' }] },
    { packages: [{ name: 'dep; reboot' }] },
    { packages: [{ name: 'dep', version: '$(id)' }] },
    { packages: [{ name: 'dep', force: true }] },
    { packages: [{ name: 'dep' }], extra: 1 },
    'not json at all',
  ];
  for (const body of cases) {
    const res = await a.call('POST', '/packages', body, typeof body === 'string' ? { 'content-type': 'application/json' } : {});
    assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
    assert.equal(res.json.error.code, 'VALIDATION_ERROR');
  }
  const grammar = await a.call('POST', '/packages', { packages: [{ name: 'dep' }, { name: 'ok', version: '1 .0' }] });
  assert.deepEqual(
    grammar.json.error.details.issues.map((issue: { path: string }) => issue.path),
    ['packages.1.version'],
  );
  const jobs = (await a.call('GET', '/jobs?type=package_install')).json.data.jobs;
  assert.ok(jobs.every((job: { request: { packages: { name: string }[] } }) => job.request.packages[0]?.name === 'dep'));
  assert.equal((await a.pm.events()).length, before, 'no package manager ran');
});

test('PUT /packages/{name} takes an empty body or {version}; DELETE /packages/{name} removes', async () => {
  const bare = await a.call('PUT', '/packages/hello');
  assert.equal(bare.status, 202);
  assert.equal(bare.json.data.type, 'package_update');
  assert.deepEqual(bare.json.data.request, { name: 'hello' });
  const updated = await a.waitForJob(bare.json.data.id);
  assert.deepEqual(updated.changes, [{ name: 'hello', action: 'upgraded', from_version: '1.0', to_version: '1.1' }]);

  const pinned = await a.call('PUT', '/packages/hello', { version: '1.0' });
  assert.equal(pinned.status, 202);
  const downgraded = await a.waitForJob(pinned.json.data.id);
  assert.deepEqual(downgraded.changes, [{ name: 'hello', action: 'downgraded', from_version: '1.1', to_version: '1.0' }]);

  assert.equal((await a.call('PUT', '/packages/hello', { version: 'bad version' })).status, 400);
  assert.equal((await a.call('PUT', '/packages/hello', { name: 'x' })).status, 400);

  const removed = await a.call('DELETE', '/packages/zlib');
  assert.equal(removed.status, 202);
  assert.equal(removed.headers.location, `/jobs/${removed.json.data.id}`);
  const done = await a.waitForJob(removed.json.data.id);
  assert.deepEqual(done.changes, [{ name: 'zlib', action: 'removed', from_version: '1.3', to_version: null }]);
  assert.equal((await a.call('GET', '/packages/zlib')).status, 404);
});
