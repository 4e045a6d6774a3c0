import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { patchListSchema } from '../../src/http/schemas/package.js';
import { type RouteAgent, startRouteAgent } from './route-agent.js';

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent({
    db: {
      installed: { hello: '1.0', tool: '2.0', same: '1.0' },
      repo: { hello: ['1.0', '1.1'], tool: ['2.0', '2.1'], same: ['1.0'] },
      security: { hello: true, tool: false },
    },
  });
});
after(() => a.stop());

test('GET /patches lists available updates with security metadata and last_cache_update', async () => {
  const res = await a.call('GET', '/patches');
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.json.data).sort(), ['last_cache_update', 'patches', 'total']);
  assert.equal(res.json.data.total, 2);
  patchListSchema.strict().parse(res.json.data);
  const hello = res.json.data.patches[0];
  assert.deepEqual(hello, {
    name: 'hello',
    current_version: '1.0',
    available_version: '1.1',
    architecture: 'all',
    security: true,
    severity: 'important',
    classification: 'security',
    // A backend that gives only ids: one record per id, from the update's own security and severity.
    advisories: [
      {
        id: 'FAKE-hello',
        type: 'security',
        severity: 'high',
        severity_raw: 'important',
        cves: [],
        source: 'fake-pm',
        url: null,
        issued: null,
      },
    ],
    repository: 'fake',
    held_back: null,
  });
  assert.equal(res.json.data.patches[1].security, false);
  const security = await a.call('GET', '/patches?security=true');
  assert.deepEqual(
    security.json.data.patches.map((patch: { name: string }) => patch.name),
    ['hello'],
  );
  assert.equal(security.json.data.total, 1);
  assert.equal((await a.call('GET', '/patches?security=maybe')).status, 400);
});

test('POST /patches/apply with a dry run plans without changing anything, and refreshes the index first', async () => {
  const res = await a.call('POST', '/patches/apply', { dry_run: true });
  assert.equal(res.status, 202);
  const job = await a.waitForJob(res.json.data.id);
  assert.equal(job.status, 'completed');
  assert.deepEqual(
    job.plan?.map((change) => [change.name, change.to_version]),
    [
      ['hello', '1.1'],
      ['tool', '2.1'],
    ],
  );
  assert.deepEqual(job.changes, []);
  assert.deepEqual((await a.pm.read()).installed, { hello: '1.0', tool: '2.0', same: '1.0' });
  const patches = await a.call('GET', '/patches');
  assert.notEqual(patches.json.data.last_cache_update, null, 'the mandatory refresh set last_cache_update');
});

test('POST /patches/apply without a body (and without Content-Type) applies everything', async () => {
  const res = await a.call('POST', '/patches/apply');
  assert.equal(res.status, 202);
  assert.deepEqual(res.json.data.request, { packages: null, security_only: false, dry_run: false });
  const job = await a.waitForJob(res.json.data.id);
  assert.deepEqual(
    job.changes.map((change) => [change.name, change.action, change.to_version]),
    [
      ['hello', 'upgraded', '1.1'],
      ['tool', 'upgraded', '2.1'],
    ],
  );
  assert.equal((await a.call('GET', '/patches')).json.data.total, 0);
});

test('POST /patches/apply validates its body', async () => {
  for (const body of [{ packages: ['-x'] }, { packages: [] }, { security_only: 'yes' }, { everything: true }]) {
    const res = await a.call('POST', '/patches/apply', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.error.code, 'VALIDATION_ERROR');
  }
});
