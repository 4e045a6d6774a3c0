import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type RouteAgent, startRouteAgent } from './route-agent.js';

const agents: RouteAgent[] = [];
after(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
});

test('GET /health refreshes a never-refreshed cache: success is healthy/fresh and persisted', async () => {
  const a = await startRouteAgent();
  agents.push(a);
  const res = await a.call('GET', '/health');
  assert.equal(res.status, 200);
  assert.equal(res.json.data.status, 'healthy');
  assert.equal(res.json.data.cache_status, 'fresh');
  assert.notEqual(res.json.data.last_cache_update, null);
  assert.equal((await a.pm.read()).counters?.refresh, 1);
  const saved = JSON.parse(await readFile(join(a.t.dir, 'state', 'state', 'cache.json'), 'utf8'));
  assert.equal(saved.last_update_success, true);
  assert.equal((await a.call('GET', '/health')).json.data.cache_status, 'fresh');
  assert.equal((await a.pm.read()).counters?.refresh, 1, 'a fresh cache is not refreshed again');
});

test('GET /health with a failing refresh is degraded/failed', async () => {
  const a = await startRouteAgent({ db: { behaviour: { refreshFailures: 1 } } });
  agents.push(a);
  const res = await a.call('GET', '/health');
  assert.equal(res.json.data.status, 'degraded');
  assert.equal(res.json.data.cache_status, 'failed');
  assert.equal(res.json.data.last_cache_update, null);
});

test('GET /health answers while a long job holds the package-manager lock (the refresh waits, health does not)', async () => {
  const a = await startRouteAgent({ db: { behaviour: { sleepMs: 60_000 } } });
  agents.push(a);
  const job = (await a.call('PUT', '/packages/hello')).json.data;
  const started = Date.now();
  while ((await a.pm.events()).length === 0) {
    if (Date.now() - started > 20_000) throw new Error('the package manager never started');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const res = await a.call('GET', '/health');
  assert.equal(res.status, 200);
  assert.equal(res.json.data.cache_status, 'unknown', 'the refresh is still waiting for the lock');
  assert.equal((await a.call('GET', `/jobs/${job.id}`)).json.data.status, 'running');
  await a.t.agent.services.jobs?.stop(0);
});
