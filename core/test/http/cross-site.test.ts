import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';

// A browser that holds the client certificate must not be a way in for another site: a foreign
// Origin on a mutating request or a WebSocket is refused, and a form-encoded body is never taken.

let t: TestAgent;
let own: string;
before(async () => {
  t = await startTestAgent();
  own = `https://localhost:${t.port}`;
});
after(() => t.stop());

function post(path: string, headers: Record<string, string>, body?: string) {
  return t.request(path, {
    method: 'POST',
    headers: { host: `localhost:${t.port}`, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

test('a cross-site POST /patches/apply without a body is refused with 403 before anything runs', async () => {
  for (const origin of ['https://evil.example', 'null', `http://localhost:${t.port}`, `https://localhost:${t.port + 1}`]) {
    const res = await post('/patches/apply', { origin });
    assert.equal(res.status, 403, origin);
    assert.equal(res.json.error.code, 'CROSS_ORIGIN_REFUSED');
    assert.match(res.json.error.message, /not this agent's origin/);
  }
  const record = await t.waitForAudit('api_request', (r) => r.path === '/patches/apply' && r.status === 403);
  assert.equal(record.method, 'POST');
});

test('the same request from the agent’s own origin, or with no Origin at all (curl), is not refused as cross-site', async () => {
  for (const headers of [{ origin: own }, {}] as Record<string, string>[]) {
    const res = await post('/patches/apply', headers);
    assert.notEqual(res.status, 403, JSON.stringify(headers));
  }
});

test('reads are not cross-site refusals', async () => {
  const res = await t.request('/health', { headers: { origin: 'https://evil.example' } });
  assert.equal(res.status, 200);
});

test('a mutating request that carries a body must be application/json, on every route', async () => {
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await post('/patches/apply', { 'content-type': contentType }, '{"dry_run":true}');
    assert.equal(res.status, 415, `${contentType}: ${res.text}`);
    assert.equal(res.json.error.code, 'UNSUPPORTED_MEDIA_TYPE');
  }
  const del = await t.request('/packages/curl', {
    method: 'DELETE',
    headers: { 'content-type': 'text/plain', 'content-length': '1' },
    body: 'x',
  });
  assert.equal(del.status, 415, del.text);
});

async function openWebSocket(headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(`wss://localhost:${t.port}/ws/jobs`, {
    ca: t.pki.ca.certPem,
    cert: t.pki.client.certPem,
    key: t.pki.client.keyPem,
    headers,
  });
  ws.on('error', () => {});
  try {
    return await new Promise<number>((resolve) => {
      ws.once('open', () => resolve(101));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
  } finally {
    ws.terminate();
  }
}

test('a WebSocket with a foreign Origin is refused with 403; the own origin and no Origin are accepted', async () => {
  assert.equal(await openWebSocket({ origin: 'https://evil.example' }), 403);
  const record = await t.waitForAudit('api_request', (r) => r.path === '/ws/jobs' && r.status === 403);
  assert.match(String(record.reason), /evil\.example/);
  assert.equal(await openWebSocket({ origin: own }), 101);
  assert.equal(await openWebSocket({}), 101);
});
