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
