import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { type RouteAgent, startRouteAgent } from './route-agent.js';

const agents: RouteAgent[] = [];
after(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
});

test('QUEUE_FULL (429) beyond max_queued pending jobs', async () => {
  const a = await startRouteAgent({
    config: { jobs: { max_concurrent: 1, max_queued: 1 } },
    db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'], dep: ['1.0'] }, behaviour: { sleepMs: 60_000 } },
  });
  agents.push(a);
  const running = await a.call('PUT', '/packages/hello');
  assert.equal(running.status, 202);
  const queued = await a.call('POST', '/packages', { packages: [{ name: 'dep' }] });
  assert.equal(queued.status, 202);
  const refused = await a.call('DELETE', '/packages/hello');
  assert.equal(refused.status, 429);
  assert.equal(refused.json.error.code, 'QUEUE_FULL');
  assert.equal(refused.json.success, false);
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  assert.equal((await a.call('GET', '/jobs')).json.data.total, 2, 'the refused request made no job');
  await a.t.agent.services.jobs?.stop(0);
});

test('a mutating request is refused with 503 when no audit sink can take its intent record; nothing runs', async () => {
  const a = await startRouteAgent();
  agents.push(a);
  a.t.audit.failDurable = true;
  const res = await a.call('POST', '/packages', { packages: [{ name: 'dep' }] });
  assert.equal(res.status, 503);
  assert.equal(res.json.error.code, 'AUDIT_UNAVAILABLE');
  assert.equal((await a.call('GET', '/jobs')).json.data.total, 0);
  assert.deepEqual(await a.pm.events(), []);
  a.t.audit.failDurable = false;
  assert.equal((await a.call('POST', '/packages', { packages: [{ name: 'dep' }] })).status, 202);
});

test('a package manager that fails a read is BACKEND_ERROR (502), without internals', async () => {
  const a = await startRouteAgent();
  agents.push(a);
  await writeFile(a.pm.dbPath, '{ this is not json');
  for (const path of ['/packages', '/patches']) {
    const res = await a.call('GET', path);
    assert.equal(res.status, 502, path);
    assert.equal(res.json.error.code, 'BACKEND_ERROR');
    assert.doesNotMatch(res.text, /at .*\.(ts|js|mjs):\d+/, 'no stack trace');
  }
});

test('without a selected backend the package endpoints fail cleanly (500) and /health stays up', async () => {
  const a = await startRouteAgent();
  agents.push(a);
  a.t.agent.services.backend = null;
  const res = await a.call('GET', '/packages');
  assert.equal(res.status, 500);
  assert.equal(res.json.error.code, 'INTERNAL_ERROR');
  assert.equal((await a.call('POST', '/packages', { packages: [{ name: 'dep' }] })).status, 500);
  assert.equal((await a.call('GET', '/health')).status, 200);
});
