import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fingerprintFile } from '../../../test/support/sandbox/common.js';
import type { MtlsResponse } from '../../../test/support/tls-client.js';
import { type RouteAgent, startRouteAgent } from '../routes/route-agent.js';

/**
 * Query strings are strict on every route the router serves: the routes are read from the router
 * itself, so a route added later is covered without touching this file.
 */

let a: RouteAgent;
let routes: { method: string; path: string }[];
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is read structurally
let document: any;

before(async () => {
  a = await startRouteAgent({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'] } } });
  routes = a.t.agent.app.router.stack.flatMap((layer) =>
    layer.methods.filter((method) => method !== 'HEAD').map((method) => ({ method, path: String(layer.path) })),
  );
  document = (await a.call('GET', '/openapi.json')).json;
});
after(() => a.stop());

/** A concrete URL of a router path: `:name` → an installed package, any other parameter → a UUID. */
function concrete(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_whole, name: string) => (name === 'name' ? 'hello' : randomUUID()));
}

function documentedQuery(method: string, routerPath: string): string[] {
  const path = routerPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
  const operation = document.paths[path]?.[method.toLowerCase()];
  assert.ok(operation, `${method} ${path} is not documented`);
  return ((operation.parameters ?? []) as { name: string; in: string }[])
    .filter((parameter) => parameter.in === 'query')
    .map((parameter) => parameter.name);
}

function assertRefusedNaming(res: MtlsResponse, parameter: string, what: string): void {
  assert.equal(res.status, 400, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.json.success, false, what);
  assert.equal(res.json.error.code, 'VALIDATION_ERROR', what);
  assert.match(res.json.error.message, new RegExp(`\\b${parameter}\\b`), `${what}: the message names ${parameter}`);
  const paths = (res.json.error.details.issues as { path: string }[]).map((issue) => issue.path);
  assert.deepEqual(paths, [parameter], what);
}

test('the router serves routes, mutating ones among them (the sweep below is not vacuous)', () => {
  assert.ok(routes.length >= 10, routes.map((route) => `${route.method} ${route.path}`).join(', '));
  assert.ok(routes.some((route) => route.method === 'DELETE'));
  assert.ok(routes.some((route) => documentedQuery(route.method, route.path).length > 0));
});

test('every route refuses an unknown query parameter with a VALIDATION_ERROR naming it, and nothing runs', async () => {
  const database = fingerprintFile(a.pm.dbPath);
  for (const { method, path } of routes) {
    const url = `${concrete(path)}?lpa_unknown=1`;
    assertRefusedNaming(await a.call(method, url), 'lpa_unknown', `${method} ${url}`);
  }
  assert.equal(fingerprintFile(a.pm.dbPath), database, 'the package database changed');
  assert.equal((await a.call('GET', '/jobs')).json.data.total, 0, 'a refused request started a job');
});

test('every query parameter a route documents is refused when given twice, naming it', async () => {
  let checked = 0;
  for (const { method, path } of routes) {
    for (const parameter of documentedQuery(method, path)) {
      const url = `${concrete(path)}?${parameter}=1&${parameter}=1`;
      assertRefusedNaming(await a.call(method, url), parameter, `${method} ${url}`);
      checked += 1;
    }
  }
  assert.ok(checked >= 3, `only ${checked} documented query parameters`);
  assert.equal((await a.call('GET', '/jobs')).json.data.total, 0, 'a refused request started a job');
});

test('typed parameters: integers and booleans are read from their text, anything else is refused', async () => {
  const page = await a.call('GET', '/packages?limit=1&offset=0&upgradable=true');
  assert.equal(page.status, 200, page.text);
  assert.deepEqual(
    page.json.data.packages.map((pkg: { name: string }) => pkg.name),
    ['hello'],
  );
  for (const [query, parameter] of [
    ['limit=1.5', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=ten', 'limit'],
    ['offset=', 'offset'],
    ['upgradable=yes', 'upgradable'],
    ['upgradable=1', 'upgradable'],
  ] as const) {
    const res = await a.call('GET', `/packages?${query}`);
    assert.equal(res.status, 400, query);
    assert.deepEqual(
      (res.json.error.details.issues as { path: string }[]).map((issue) => issue.path),
      [parameter],
      query,
    );
  }
});

test('DELETE /packages/{name}?dry_run=true never removes the package: refused unless dry_run is a parameter of DELETE', async () => {
  const database = fingerprintFile(a.pm.dbPath);
  const res = await a.call('DELETE', '/packages/hello?dry_run=true');
  if (documentedQuery('DELETE', '/packages/:name').includes('dry_run')) {
    assert.equal(res.status, 202, res.text);
    await a.waitForJob(res.json.data.id);
  } else {
    assertRefusedNaming(res, 'dry_run', 'DELETE /packages/hello?dry_run=true');
  }
  assert.equal(fingerprintFile(a.pm.dbPath), database, 'the package database changed');
  assert.equal((await a.call('GET', '/packages/hello')).status, 200, 'hello is still installed');
});

/** Values a documented parameter schema accepts and refuses, at its edges. */
function edgesOf(schema: Record<string, unknown>): { accepted: string[]; refused: string[] } {
  if (Array.isArray(schema.enum)) return { accepted: schema.enum.map(String), refused: ['not-one-of-them'] };
  if (schema.type === 'boolean') return { accepted: ['true', 'false'], refused: ['yes', '1', 'TRUE'] };
  if (schema.type === 'integer') {
    const min = Number(schema.minimum ?? 0);
    const max = Number(schema.maximum ?? Number.MAX_SAFE_INTEGER);
    return { accepted: [String(min), String(max)], refused: [String(min - 1), String(max + 1), '1.5', 'ten'] };
  }
  if (schema.format === 'uuid') return { accepted: [randomUUID()], refused: ['not-a-uuid'] };
  if (schema.type === 'string' && typeof schema.maxLength === 'number') {
    return { accepted: ['x'.repeat(schema.maxLength)], refused: ['x'.repeat(schema.maxLength + 1)] };
  }
  return { accepted: [], refused: [] };
}

test('every documented query constraint of a read-only route is what the server enforces, and no more', async () => {
  let checked = 0;
  for (const { method, path } of routes.filter((route) => route.method === 'GET')) {
    const operation = document.paths[path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}')][method.toLowerCase()];
    for (const parameter of (operation.parameters ?? []).filter((p: { in: string }) => p.in === 'query')) {
      const { accepted, refused } = edgesOf(parameter.schema);
      for (const value of accepted) {
        const url = `${concrete(path)}?${parameter.name}=${encodeURIComponent(value)}`;
        const res = await a.call(method, url);
        const issues = (res.json?.error?.details?.issues ?? []) as { path: string }[];
        assert.ok(!issues.some((issue) => issue.path === parameter.name), `${url} is documented as valid: ${res.text}`);
        checked += 1;
      }
      for (const value of refused) {
        const url = `${concrete(path)}?${parameter.name}=${encodeURIComponent(value)}`;
        const res = await a.call(method, url);
        assert.equal(res.status, 400, `${url} is documented as invalid: ${res.text}`);
        assert.deepEqual(
          (res.json.error.details.issues as { path: string }[]).map((issue) => issue.path),
          [parameter.name],
          url,
        );
        checked += 1;
      }
    }
  }
  assert.ok(checked >= 20, `only ${checked} values checked`);
});
