import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { defineRoute } from '../../src/http/route.js';
import { CORE_VERSION } from '../../src/version.js';

let t: TestAgent;
before(async () => {
  t = await startTestAgent();
});
after(() => t.stop());

test('GET /openapi.json serves an OpenAPI 3.1 document, raw (not in the envelope), with mutual TLS as its security', async () => {
  const res = await t.request('/openapi.json');
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const doc = res.json;
  assert.equal(doc.success, undefined, 'the document is not wrapped in the envelope');
  assert.deepEqual(
    doc.servers.map((server: { url: string }) => server.url),
    [`https://127.0.0.1:${t.port}`],
  );
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.version, CORE_VERSION);
  assert.deepEqual(doc.security, [{ mutualTLS: [] }]);
  assert.equal(doc.components.securitySchemes.mutualTLS.type, 'mutualTLS');
  const health = doc.paths['/health'].get;
  assert.equal(health.operationId, 'getHealth');
  const ok = health.responses['200'].content['application/json'].schema;
  assert.deepEqual(ok.required, ['success', 'request_id', 'timestamp', 'data', 'error']);
  assert.deepEqual(ok.properties.data.properties.cache_status.enum, ['fresh', 'stale', 'unknown', 'failed']);
  assert.equal(health.responses['5XX'].content['application/json'].schema.$ref, '#/components/schemas/ErrorEnvelope');
});

test('the document is generated from the same zod schemas that validate requests', () => {
  const route = defineRoute({
    method: 'POST',
    path: '/things/{name}',
    operationId: 'createThing',
    summary: 'test route',
    params: z.object({ name: z.string().max(255) }).strict(),
    query: z.object({ dry_run: z.enum(['true', 'false']).optional() }).strict(),
    body: z.object({ packages: z.array(z.object({ name: z.string() }).strict()).max(100) }).strict(),
    response: z.object({ id: z.string() }),
    status: 202,
    location: (data) => `/jobs/${data.id}`,
    handler: () => ({ id: 'x' }),
  });
  const doc = buildOpenApiDocument([route]) as { paths: Record<string, Record<string, Record<string, unknown>>> };
  // biome-ignore lint/suspicious/noExplicitAny: structural checks
  const op = doc.paths['/things/{name}']?.post as any;
  assert.deepEqual(
    op.parameters.map((p: { name: string; in: string; required: boolean }) => [p.name, p.in, p.required]),
    [
      ['name', 'path', true],
      ['dry_run', 'query', false],
    ],
  );
  assert.equal(op.parameters[0].schema.maxLength, 255);
  const body = op.requestBody.content['application/json'].schema;
  assert.equal(op.requestBody.required, true);
  assert.equal(body.additionalProperties, false, 'strict body schema: unknown fields are documented as refused');
  assert.equal(body.properties.packages.maxItems, 100);
  assert.ok(op.responses['202'].headers.Location);
});

test('an optional body is documented as optional', () => {
  const route = defineRoute({
    method: 'PUT',
    path: '/things/{name}',
    operationId: 'updateThing',
    summary: 'test route',
    body: z.object({ version: z.string() }).strict().optional(),
    response: z.object({}),
    handler: () => ({}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: structural checks
  const doc = buildOpenApiDocument([route]) as any;
  assert.equal(doc.paths['/things/{name}'].put.requestBody.required, false);
});
