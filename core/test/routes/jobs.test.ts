import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jobListSchema, jobSchema } from '../../src/http/schemas/job.js';
import { type RouteAgent, startRouteAgent } from './route-agent.js';

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'], dep: ['1.0'] } } });
});
after(() => a.stop());

test('GET /jobs lists jobs newest first with filters; GET /jobs/{id} returns one or 404', async () => {
  const first = (await a.call('POST', '/packages', { packages: [{ name: 'dep' }] })).json.data;
  await a.waitForJob(first.id);
  const second = (await a.call('PUT', '/packages/hello')).json.data;
  await a.waitForJob(second.id);
  const all = await a.call('GET', '/jobs');
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.json.data.jobs.map((job: { id: string }) => job.id),
    [second.id, first.id],
  );
  assert.equal(all.json.data.total, 2);
  const byType = await a.call('GET', '/jobs?type=package_install');
  assert.deepEqual(
    byType.json.data.jobs.map((job: { id: string }) => job.id),
    [first.id],
  );
  assert.equal((await a.call('GET', '/jobs?status=running')).json.data.total, 0);
  assert.equal((await a.call('GET', '/jobs?status=completed')).json.data.total, 2);
  assert.equal((await a.call('GET', '/jobs?status=exploded')).status, 400);

  const one = await a.call('GET', `/jobs/${first.id}`);
  assert.equal(one.json.data.id, first.id);
  assert.deepEqual(Object.keys(one.json.data).sort(), [
    'changes',
    'client',
    'created_at',
    'error',
    'finished_at',
    'id',
    'log',
    'plan',
    'plan_hash',
    'progress',
    'progress_message',
    'request',
    'rollback_of',
    'rolled_back_by',
    'started_at',
    'status',
    'type',
    'waiting',
  ]);
  assert.equal(one.json.data.waiting, null, 'a job that does not wait for a lock says so');
  // What the agent sends is what /openapi.json publishes.
  jobSchema.strict().parse(one.json.data);
  jobListSchema.strict().parse(all.json.data);
  const missing = await a.call('GET', '/jobs/00000000-0000-4000-8000-000000000000');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'NOT_FOUND');
  assert.equal((await a.call('GET', '/jobs/not-a-uuid')).status, 400);
});

test('POST /jobs/{id}/rollback → 202 rollback job; a second rollback or a rollback of a rollback is 409 CONFLICT', async () => {
  const install = (await a.call('DELETE', '/packages/hello')).json.data;
  await a.waitForJob(install.id);
  const res = await a.call('POST', `/jobs/${install.id}/rollback`);
  assert.equal(res.status, 202);
  assert.equal(res.headers.location, `/jobs/${res.json.data.id}`);
  assert.equal(res.json.data.type, 'rollback');
  assert.equal(res.json.data.rollback_of, install.id);
  const rollback = await a.waitForJob(res.json.data.id);
  assert.equal(rollback.status, 'completed');
  assert.deepEqual(rollback.changes, [{ name: 'hello', action: 'installed', from_version: null, to_version: '1.1' }]);
  assert.equal((await a.call('GET', `/jobs/${install.id}`)).json.data.rolled_back_by, rollback.id);

  const again = await a.call('POST', `/jobs/${install.id}/rollback`);
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'CONFLICT');
  const ofRollback = await a.call('POST', `/jobs/${rollback.id}/rollback`);
  assert.equal(ofRollback.status, 409);
  assert.equal(ofRollback.json.error.code, 'CONFLICT');
  assert.equal((await a.call('POST', '/jobs/00000000-0000-4000-8000-000000000000/rollback')).status, 404);
  assert.equal((await a.call('POST', `/jobs/${install.id}/rollback`, { force: true })).status, 400, 'rollback takes no body');
});
