import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { defineRoute } from '../../src/http/route.js';
import { packageName } from '../../src/http/schemas/package.js';
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
  assert.equal(health.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/HealthEnvelope');
  const ok = doc.components.schemas.HealthEnvelope;
  assert.deepEqual(ok.required, ['success', 'request_id', 'timestamp', 'data', 'error']);
  assert.equal(ok.properties.data.$ref, '#/components/schemas/Health');
  assert.deepEqual(doc.components.schemas.Health.properties.cache_status.enum, ['fresh', 'stale', 'unknown', 'failed']);
  assert.equal(health.responses.default.content['application/json'].schema.$ref, '#/components/schemas/ErrorEnvelope');
});

test('servers names the address the request came to: the Host header when it names this port, else the local address', async () => {
  const named = await t.request('/openapi.json', { headers: { host: `agent.example:${t.port}` } });
  assert.deepEqual(
    named.json.servers.map((server: { url: string }) => server.url),
    [`https://agent.example:${t.port}`],
  );
  for (const host of ['agent.example', 'agent.example:1', 'bad host:1']) {
    const other = await t.request('/openapi.json', { headers: { host } });
    assert.deepEqual(
      other.json.servers.map((server: { url: string }) => server.url),
      [`https://127.0.0.1:${t.port}`],
      host,
    );
  }
});

test('named component schemas: resources, requests, envelopes and the error, referenced where they are used', async () => {
  const doc = (await t.request('/openapi.json')).json;
  const schemas = doc.components.schemas;
  for (const name of [
    'Job',
    'JobList',
    'Package',
    'PackageList',
    'Patch',
    'PatchList',
    'PackageChange',
    'Health',
    'SystemInfo',
    'InstallRequest',
    'UpdateRequest',
    'PatchApplyRequest',
    'PackageName',
    'Error',
    'ErrorEnvelope',
    'JobEnvelope',
    'PackageListEnvelope',
    'JobStreamMessage',
  ]) {
    assert.ok(schemas[name], `components.schemas.${name}`);
  }
  const install = doc.paths['/packages'].post;
  assert.equal(install.requestBody.content['application/json'].schema.$ref, '#/components/schemas/InstallRequest');
  assert.equal(install.responses['202'].content['application/json'].schema.$ref, '#/components/schemas/JobEnvelope');
  assert.equal(schemas.JobEnvelope.properties.data.$ref, '#/components/schemas/Job');
  assert.equal(schemas.PackageList.properties.packages.items.$ref, '#/components/schemas/Package');
  // Error.details is an open object: generated clients must get a record of unknown values.
  assert.equal(schemas.Error.properties.details.type, 'object');
  assert.deepEqual(schemas.Error.properties.details.additionalProperties, {});
  assert.deepEqual(schemas.Job.properties.error.anyOf, [{ $ref: '#/components/schemas/Error' }, { type: 'null' }]);
  assert.ok(schemas.Job.required.includes('progress_message'));
});

test('the reboot and restart forecast is one component that plans, outcomes and the job stream share', async () => {
  const doc = (await t.request('/openapi.json')).json;
  const schemas = doc.components.schemas;
  assert.deepEqual(schemas.RestartForecast.required.sort(), ['processes', 'reasons', 'reboot_required', 'services']);
  const forecastRef = { $ref: '#/components/schemas/RestartForecast' };
  for (const job of [schemas.Job, schemas.StreamedJob]) {
    assert.deepEqual(job.properties.forecast.anyOf, [forecastRef, { type: 'null' }]);
    assert.deepEqual(job.properties.outcome.anyOf, [forecastRef, { type: 'null' }]);
    assert.deepEqual(job.properties.forecast_matched.type, ['boolean', 'null']);
  }
});

test('typed query parameters, documented headers and links', async () => {
  const doc = (await t.request('/openapi.json')).json;
  const list = doc.paths['/packages'].get;
  const parameter = (name: string) => list.parameters.find((p: { name: string }) => p.name === name).schema;
  assert.deepEqual(parameter('limit'), { type: 'integer', minimum: 0, maximum: 999_999_999 });
  assert.deepEqual(parameter('offset'), { type: 'integer', minimum: 0, maximum: 999_999_999 });
  assert.deepEqual(parameter('upgradable'), { type: 'boolean' });
  assert.deepEqual(doc.paths['/patches'].get.parameters[0].schema, { type: 'boolean' });
  assert.deepEqual(doc.paths['/health'].get.parameters, [], 'an endpoint without parameters documents none');

  const remove = doc.paths['/packages/{name}'].delete;
  assert.equal(remove.parameters[0].schema.$ref, '#/components/schemas/PackageName');
  assert.equal(remove.responses['202'].headers.Location.$ref, '#/components/headers/Location');
  assert.equal(remove.responses['503'].headers['Retry-After'].$ref, '#/components/headers/Retry-After');
  assert.deepEqual(doc.components.headers['Retry-After'].schema, { type: 'integer', minimum: 1 });
  assert.deepEqual(remove.responses['202'].links.GetJob, {
    operationId: 'getJob',
    parameters: { id: '$response.body#/data/id' },
    description: 'The job, as it runs',
  });
  for (const [path, item] of Object.entries(
    doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>,
  )) {
    for (const [method, operation] of Object.entries(item)) {
      assert.ok(operation.responses['400'], `${method} ${path} documents its 400`);
      if (path !== '/ws/jobs') {
        assert.ok((operation.responses['503'] as { headers: object }).headers, `${method} ${path} documents Retry-After`);
      }
    }
  }
});

test('/ws/jobs is described as a GET answered by 101, with its query parameters and message shapes', async () => {
  const doc = (await t.request('/openapi.json')).json;
  const stream = doc.paths['/ws/jobs'].get;
  assert.deepEqual(
    stream.parameters.map((p: { name: string }) => p.name),
    ['job_id', 'since', 'epoch'],
  );
  assert.ok(stream.responses['101']);
  assert.equal(stream.responses['101'].content['application/json'].schema.$ref, '#/components/schemas/JobStreamMessage');
  const message = doc.components.schemas.JobStreamMessage;
  assert.deepEqual(
    message.oneOf.map((variant: { $ref: string }) => variant.$ref),
    ['#/components/schemas/JobUpdateMessage', '#/components/schemas/ResyncMessage'],
  );
  assert.ok(!doc.components.schemas.StreamedJob.required.includes('log'), 'the log is sent only when it changed');
});

test("the selected backend's name grammar is the PackageName pattern", () => {
  const route = defineRoute({
    method: 'GET',
    path: '/things/{name}',
    operationId: 'getThing',
    summary: 'test route',
    params: z.object({ name: packageName }).strict(),
    response: z.object({}),
    handler: () => ({}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: structural checks
  const doc = buildOpenApiDocument([route], { packageNamePattern: '^[a-z]+$' }) as any;
  assert.deepEqual(doc.components.schemas.PackageName, { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-z]+$' });
  // biome-ignore lint/suspicious/noExplicitAny: structural checks
  const without = buildOpenApiDocument([route]) as any;
  assert.equal(without.components.schemas.PackageName.pattern, undefined);
});

test('the document is generated from the same zod schemas that validate requests', () => {
  const route = defineRoute({
    method: 'POST',
    path: '/things/{name}',
    operationId: 'createThing',
    summary: 'test route',
    params: z.object({ name: z.string().max(255) }).strict(),
    query: z.object({ dry_run: z.boolean().optional() }).strict(),
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
