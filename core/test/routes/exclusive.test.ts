import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RouteAgent, startRouteAgent } from './route-agent.js';

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'], dep: ['1.0'] } } });
});
after(() => a.stop());

test('while a rollback runs only GET /health, GET /jobs and GET /jobs/{id} answer; everything else is 503 with Retry-After', async () => {
  const install = (await a.call('POST', '/packages', { packages: [{ name: 'dep' }] })).json.data;
  await a.waitForJob(install.id);
  const other = (await a.call('PUT', '/packages/hello')).json.data;
  await a.waitForJob(other.id);
  await a.pm.setBehaviour({ sleepMs: 60_000 });
  const rollback = await a.call('POST', `/jobs/${install.id}/rollback`);
  assert.equal(rollback.status, 202);
  const rollbackId = rollback.json.data.id;

  for (const path of ['/health', '/jobs', `/jobs/${rollbackId}`, `/jobs/${install.id}`]) {
    const res = await a.call('GET', path);
    assert.equal(res.status, 200, path);
  }
  const blocked: [string, string, unknown?][] = [
    ['GET', '/packages'],
    ['GET', '/packages/hello'],
    ['POST', '/packages', { packages: [{ name: 'dep' }] }],
    ['PUT', '/packages/hello'],
    ['DELETE', '/packages/hello'],
    ['GET', '/patches'],
    ['POST', '/patches/apply'],
    ['POST', `/jobs/${other.id}/rollback`],
    ['GET', '/system/info'],
    ['GET', '/openapi.json'],
  ];
  for (const [method, path, body] of blocked) {
    const res = await a.call(method, path, body);
    assert.equal(res.status, 503, `${method} ${path}`);
    assert.equal(res.json.error.code, 'ROLLBACK_IN_PROGRESS');
    assert.ok(Number(res.headers['retry-after']) >= 1, `Retry-After on ${method} ${path}`);
  }
  assert.equal((await a.call('GET', `/jobs/${other.id}`)).json.data.rolled_back_by, null, 'the refused rollback changed nothing');

  // End the rollback: stopping the job manager stops its package manager's process group.
  await a.t.agent.services.jobs?.stop(0);
  await a.waitForJob(rollbackId);
  assert.equal(a.t.agent.services.jobs?.exclusive(), null);
});
