import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import { z } from 'zod';
import { captureLogger, createTestPki, type TestPki } from '../../../test/support/agent.js';
import { drainedOrClosed, type MtlsRequestOptions, mtlsRequest } from '../../../test/support/tls-client.js';
import { waitFor } from '../../../test/support/wait.js';
import { MemoryAuditTrail } from '../../src/audit/trail.js';
import { configSchema } from '../../src/config/schema.js';
import { LpaError } from '../../src/errors.js';
import { createHooks } from '../../src/hooks.js';
import { AllowList } from '../../src/http/allow-list.js';
import { createApp } from '../../src/http/app.js';
import { defineRoute } from '../../src/http/route.js';
import { SecureServer } from '../../src/http/server.js';
import { loadTlsMaterial } from '../../src/http/tls/material.js';
import type { AgentServices } from '../../src/services.js';

// A real app behind the real secure server, with test routes that exercise every error path.
let dir: string;
let pki: TestPki;
let server: SecureServer;
const logs: Record<string, unknown>[] = [];
const gateLog: string[] = [];

const routes = [
  defineRoute({
    method: 'POST',
    path: '/echo/{name}',
    operationId: 'echo',
    summary: 'echo',
    params: z.object({ name: z.string().regex(/^[a-z]+$/) }).strict(),
    query: z.object({ loud: z.boolean().optional() }).strict(),
    body: z.object({ packages: z.array(z.object({ name: z.string() }).strict()) }).strict(),
    response: z.object({ name: z.string(), count: z.number(), loud: z.boolean() }),
    handler: ({ params, query, body }) => ({ name: params.name, count: body.packages.length, loud: query.loud === true }),
  }),
  defineRoute({
    method: 'PUT',
    path: '/optional',
    operationId: 'optional',
    summary: 'optional body',
    body: z.object({ version: z.string() }).strict().optional(),
    response: z.object({ version: z.string().nullable() }),
    handler: ({ body }) => ({ version: body?.version ?? null }),
  }),
  defineRoute({
    method: 'POST',
    path: '/jobs-like',
    operationId: 'jobsLike',
    summary: 'async',
    response: z.object({ id: z.string(), status: z.literal('pending') }),
    status: 202,
    location: (job) => `/jobs/${job.id}`,
    handler: () => ({ id: 'abc', status: 'pending' as const }),
  }),
  defineRoute({
    method: 'GET',
    path: '/boom',
    operationId: 'boom',
    summary: 'unexpected failure',
    response: z.object({}),
    handler: () => {
      throw new Error('secret detail /etc/shadow at line 42');
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/busy',
    operationId: 'busy',
    summary: 'coded failure',
    response: z.object({}),
    handler: () => {
      throw new LpaError('LPA_ERR_ROLLBACK_IN_PROGRESS', 'a rollback is running', { retryAfter: 7 });
    },
  }),
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-envelope-'));
  pki = await createTestPki(dir);
  const config = configSchema.parse({});
  const services: AgentServices = {
    getConfig: () => config,
    configPath: join(dir, 'config.yaml'),
    logger: captureLogger(logs),
    hooks: createHooks(),
    audit: new MemoryAuditTrail(),
    startedAt: new Date(),
    backend: null,
    cacheHealth: async () => ({ cache_status: 'unknown', last_cache_update: null }),
    lastUpdateTime: async () => null,
  };
  const app = createApp({
    services,
    routes,
    gates: [
      async (ctx, next) => {
        gateLog.push(ctx.path);
        if (ctx.get('x-test-gate') === 'close')
          throw new LpaError('LPA_ERR_ROLLBACK_IN_PROGRESS', 'gate closed', { retryAfter: 3 });
        await next();
      },
    ],
  });
  server = new SecureServer({
    handler: app.callback(),
    material: await loadTlsMaterial({ ...pki.files, crl: null }),
    allowList: new AllowList(['127.0.0.1']),
    maxClientCertDays: 366,
    headersTimeoutMs: 1000,
    requestTimeoutMs: 1500,
    logger: services.logger,
    audit: () => services.audit,
  });
  await server.listen('127.0.0.1', 0);
});
after(async () => {
  await server.close(500);
  await rm(dir, { recursive: true, force: true });
});

function call(options: Omit<MtlsRequestOptions, 'port' | 'ca'>) {
  return mtlsRequest({
    port: server.address().port,
    ca: pki.ca.certPem,
    cert: pki.client.certPem,
    key: pki.client.keyPem,
    ...options,
  });
}

function assertErrorEnvelope(json: { success: boolean; data: unknown; error: { code: string } | null }, code: string) {
  assert.equal(json.success, false);
  assert.equal(json.data, null);
  assert.equal(json.error?.code, code);
}

test('validated input reaches the handler and the result is enveloped', async () => {
  const res = await call({ method: 'POST', path: '/echo/curl?loud=true', body: { packages: [{ name: 'a' }, { name: 'b' }] } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.data, { name: 'curl', count: 2, loud: true });
});

test('unknown body fields are a VALIDATION_ERROR naming the field', async () => {
  const res = await call({ method: 'POST', path: '/echo/curl', body: { packages: [], force: true } });
  assert.equal(res.status, 400);
  assertErrorEnvelope(res.json, 'VALIDATION_ERROR');
  assert.ok(JSON.stringify(res.json.error.details).includes('force'));
  const nested = await call({ method: 'POST', path: '/echo/curl', body: { packages: [{ name: 'a', options: '-y' }] } });
  assert.equal(nested.status, 400);
  assertErrorEnvelope(nested.json, 'VALIDATION_ERROR');
});

test('malformed JSON is a VALIDATION_ERROR (400)', async () => {
  const res = await call({
    method: 'POST',
    path: '/echo/curl',
    body: '{"packages": [',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 400);
  assertErrorEnvelope(res.json, 'VALIDATION_ERROR');
});

test('a non-JSON body is UNSUPPORTED_MEDIA_TYPE (415)', async () => {
  const res = await call({
    method: 'POST',
    path: '/echo/curl',
    body: 'packages=curl',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(res.status, 415);
  assertErrorEnvelope(res.json, 'UNSUPPORTED_MEDIA_TYPE');
});

test('a body over 64 KiB is PAYLOAD_TOO_LARGE (413), declared or streamed', async () => {
  const big = JSON.stringify({ packages: [{ name: 'x'.repeat(70 * 1024) }] });
  const res = await call({ method: 'POST', path: '/echo/curl', body: big, headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 413);
  assertErrorEnvelope(res.json, 'PAYLOAD_TOO_LARGE');
  const chunked = await call({
    method: 'POST',
    path: '/echo/curl',
    body: big,
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
  });
  assert.equal(chunked.status, 413);
});

test('after a 413 the connection is closed: the rest of a 100 MB body is never read', async () => {
  const declared = 100 * 1024 * 1024;
  const socket = connect({
    host: '127.0.0.1',
    port: server.address().port,
    servername: 'localhost',
    ca: pki.ca.certPem,
    cert: pki.client.certPem,
    key: pki.client.keyPem,
  });
  let answer = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  socket.write(
    `POST /echo/curl HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
  );
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let written = 0;
  while (!closed && written < declared) {
    if (!socket.write(chunk)) await drainedOrClosed(socket);
    written += chunk.length;
  }
  await waitFor(() => closed, { what: 'the agent to close the connection' });
  assert.match(answer, /^HTTP\/1\.1 413 /);
  assert.match(answer, /\r\nconnection: close\r\n/i);
  assert.ok(written < declared, `the client got to send all ${written} bytes`);
});

test('bad path parameters and unknown query parameters are VALIDATION_ERRORs', async () => {
  const param = await call({ method: 'POST', path: '/echo/-rf', body: { packages: [] } });
  assert.equal(param.status, 400);
  assertErrorEnvelope(param.json, 'VALIDATION_ERROR');
  const query = await call({ method: 'POST', path: '/echo/curl?sudo=1', body: { packages: [] } });
  assert.equal(query.status, 400);
});

test('an optional body may be empty without a Content-Type', async () => {
  const empty = await call({ method: 'PUT', path: '/optional' });
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.json.data, { version: null });
  const given = await call({ method: 'PUT', path: '/optional', body: { version: '1.2' } });
  assert.deepEqual(given.json.data, { version: '1.2' });
});

test('a route without a body refuses one', async () => {
  const res = await call({ method: 'POST', path: '/jobs-like', body: { anything: 1 } });
  assert.equal(res.status, 400);
  assertErrorEnvelope(res.json, 'VALIDATION_ERROR');
});

test('async routes answer 202 with a Location header', async () => {
  const res = await call({ method: 'POST', path: '/jobs-like' });
  assert.equal(res.status, 202);
  assert.equal(res.headers.location, '/jobs/abc');
  assert.deepEqual(res.json.data, { id: 'abc', status: 'pending' });
});

test('an unknown route is NOT_FOUND (404) in the envelope', async () => {
  const res = await call({ path: '/no/such/thing' });
  assert.equal(res.status, 404);
  assertErrorEnvelope(res.json, 'NOT_FOUND');
});

test('a known path with another method is 405 with Allow', async () => {
  const res = await call({ method: 'DELETE', path: '/optional' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, 'PUT');
  assertErrorEnvelope(res.json, 'METHOD_NOT_ALLOWED');
});

test('an unexpected error is INTERNAL_ERROR (500) with no stack or message leak, but logged', async () => {
  const res = await call({ path: '/boom' });
  assert.equal(res.status, 500);
  assertErrorEnvelope(res.json, 'INTERNAL_ERROR');
  assert.equal(res.json.error.message, 'internal error');
  assert.doesNotMatch(res.text, /shadow|line 42|at .*\.ts|Error:/);
  assert.ok(logs.some((line) => line.request_id === res.json.request_id && JSON.stringify(line).includes('secret detail')));
});

test('coded errors keep their status and Retry-After', async () => {
  const res = await call({ path: '/busy' });
  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '7');
  assertErrorEnvelope(res.json, 'ROLLBACK_IN_PROGRESS');
});

test('request gates run before routes and can refuse a request in the envelope', async () => {
  const before = gateLog.length;
  const res = await call({ method: 'PUT', path: '/optional', headers: { 'x-test-gate': 'close' } });
  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '3');
  assertErrorEnvelope(res.json, 'ROLLBACK_IN_PROGRESS');
  assert.equal(gateLog.length, before + 1);
  assert.equal(typeof res.json.request_id, 'string');
});

test('a client that sends its headers too slowly is cut off (header and request timeouts are enforced)', async () => {
  const socket = connect({
    host: '127.0.0.1',
    port: server.address().port,
    servername: 'localhost',
    ca: pki.ca.certPem,
    cert: pki.client.certPem,
    key: pki.client.keyPem,
  });
  let closed = false;
  let answer = '';
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
  socket.write('GET /optional HTTP/1.1\r\nHost: localhost\r\n');
  try {
    await waitFor(() => closed, { timeoutMs: 15_000, what: 'the slow client to be disconnected' });
    assert.match(answer, /^(HTTP\/1\.1 408|$)/);
  } finally {
    socket.destroy();
  }
});

test('the request log: served at info; refused at warn and failed at error, with the error code and the client CN', async () => {
  const requestLine = (requestId: string) => {
    const line = logs.find((entry) => entry.request_id === requestId && 'status' in entry);
    assert.ok(line, `no request line for ${requestId}`);
    return line;
  };
  const served = await call({ path: '/optional', method: 'PUT' });
  assert.equal(served.status < 400, true, served.text);
  const ok = requestLine(served.json.request_id);
  assert.equal(ok.level, 30);
  assert.equal(ok.msg, 'request');
  assert.equal(ok.error_code, undefined);

  const missing = await call({ path: '/no/such/thing' });
  const refused = requestLine(missing.json.request_id);
  assert.equal(refused.level, 40);
  assert.equal(refused.msg, 'request refused');
  assert.equal(refused.error_code, 'NOT_FOUND');
  assert.equal(refused.client_cn, 'test-admin');

  const boom = await call({ path: '/boom' });
  const failed = requestLine(boom.json.request_id);
  assert.equal(failed.level, 50);
  assert.equal(failed.msg, 'request failed');
  assert.equal(failed.error_code, 'INTERNAL_ERROR');
  assert.equal(failed.client_cn, 'test-admin');
});
