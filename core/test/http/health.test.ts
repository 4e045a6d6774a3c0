import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { CORE_VERSION } from '../../src/version.js';

let t: TestAgent;
before(async () => {
  t = await startTestAgent();
});
after(() => t.stop());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('GET /health answers the SPEC shape inside the envelope', async () => {
  const res = await t.request('/health');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /application\/json/);
  const body = res.json;
  assert.deepEqual(Object.keys(body).sort(), ['data', 'error', 'request_id', 'success', 'timestamp']);
  assert.equal(body.success, true);
  assert.equal(body.error, null);
  assert.match(body.request_id, UUID);
  assert.equal(res.headers['x-request-id'], body.request_id);
  assert.match(body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.deepEqual(Object.keys(body.data).sort(), ['cache_status', 'last_cache_update', 'status', 'uptime_seconds', 'version']);
  assert.equal(body.data.status, 'healthy');
  assert.equal(body.data.version, CORE_VERSION);
  assert.ok(Number.isInteger(body.data.uptime_seconds) && body.data.uptime_seconds >= 0);
});

test('without a backend the cache is reported unknown, never refreshed', async () => {
  const { data } = (await t.request('/health')).json;
  assert.equal(data.cache_status, 'unknown');
  assert.equal(data.last_cache_update, null);
});

test('health reads the cache state from services.cacheHealth: a failed cache means degraded', async () => {
  const original = t.agent.services.cacheHealth;
  try {
    t.agent.services.cacheHealth = async () => ({ cache_status: 'failed', last_cache_update: '2026-01-02T03:04:05Z' });
    const failed = (await t.request('/health')).json.data;
    assert.equal(failed.status, 'degraded');
    assert.equal(failed.cache_status, 'failed');
    assert.equal(failed.last_cache_update, '2026-01-02T03:04:05Z');
    t.agent.services.cacheHealth = async () => ({ cache_status: 'fresh', last_cache_update: '2026-01-02T03:04:05Z' });
    assert.equal((await t.request('/health')).json.data.status, 'healthy');
  } finally {
    t.agent.services.cacheHealth = original;
  }
});

test('every request is logged with its request id and audited with the client identity', async () => {
  const res = await t.request('/health');
  const requestId = res.json.request_id;
  const logged = t.logs.find((line) => line.request_id === requestId);
  assert.ok(logged, 'the request id appears in the operational log');
  assert.equal(logged.path, '/health');
  const record = await t.waitForAudit('api_request', (r) => r.request_id === requestId);
  assert.equal(record.method, 'GET');
  assert.equal(record.status, 200);
  assert.equal(record.ip, '127.0.0.1');
  assert.equal(record.client_cn, 'test-admin');
  assert.equal(record.client_serial, t.pki.client.serial);
  assert.equal(record.client_fingerprint, t.pki.client.fingerprint256);
  assert.equal(typeof record.duration_ms, 'number');
});
