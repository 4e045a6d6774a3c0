import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { JOB_STREAM_PATH } from '../../src/http/websocket.js';
import { ROUTE_TESTS } from './route-test-map.js';

let t: TestAgent;
let registered: string[];
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is checked structurally
let document: any;

/** `/packages/:name` (router) → `/packages/{name}` (OpenAPI). */
function openApiPath(routerPath: string): string {
  return routerPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

before(async () => {
  t = await startTestAgent();
  registered = t.agent.app.router.stack.flatMap((layer) =>
    layer.methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${openApiPath(String(layer.path))}`),
  );
  // The WebSocket upgrade is served beside the router (koa-websocket), and documented as a GET.
  registered.push(`GET ${JOB_STREAM_PATH}`);
  document = (await t.request('/openapi.json')).json;
});
after(() => t.stop());

test('the agent registers routes at all (the inventory is not vacuous)', () => {
  assert.ok(registered.length >= 3, `registered: ${registered.join(', ')}`);
  assert.ok(registered.includes('GET /health'));
});

test('every registered route appears in the OpenAPI document', () => {
  for (const route of registered) {
    const [method = '', path = ''] = route.split(' ');
    assert.ok(document.paths[path]?.[method.toLowerCase()], `${route} is served but missing from /openapi.json`);
  }
});

test('every operation in the OpenAPI document is a registered route', () => {
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(item)) {
      assert.ok(
        registered.includes(`${method.toUpperCase()} ${path}`),
        `${method.toUpperCase()} ${path} is documented but not served`,
      );
    }
  }
});

test('every registered route has tests, and every listed test file exists and calls the path', () => {
  for (const route of registered) {
    const files = ROUTE_TESTS[route];
    assert.ok(files !== undefined && files.length > 0, `${route} has no entry in core/test/http/route-test-map.ts`);
    const path = route.split(' ')[1] ?? '';
    // For /packages/{name} a test calls /packages/<something>: look for the static prefix.
    const needle = path.includes('{') ? path.slice(0, path.indexOf('{')) : path;
    for (const file of files) {
      const absolute = join(REPO_ROOT, file);
      assert.ok(existsSync(absolute), `${file} (listed for ${route}) does not exist`);
      assert.ok(readFileSync(absolute, 'utf8').includes(needle), `${file} (listed for ${route}) never mentions ${needle}`);
    }
  }
});

test('the test table lists no route that is not served', () => {
  for (const route of Object.keys(ROUTE_TESTS))
    assert.ok(registered.includes(route), `route-test-map lists ${route}, which is not served`);
});
