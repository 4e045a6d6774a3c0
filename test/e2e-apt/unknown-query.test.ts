import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import WebSocket, { type ClientOptions } from 'ws';
import { JOB_STREAM_PATH } from '../../core/src/http/websocket.js';
import { NAME_GRAMMAR_PROBES } from '../../core/src/testing/hostile-input.js';
import { NAME_PATTERN } from '../../plugins/backend-apt/src/package-grammar.js';
import { HELLO } from '../support/sandbox/apt.js';
import { fingerprintFile } from '../support/sandbox/common.js';
import type { MtlsResponse } from '../support/tls-client.js';
import { type AptAgent, hostPackageState, startAptAgent } from './support.js';

/**
 * A client asking for something the agent does not understand gets an error, never a real change:
 * every route the agent serves (read from its own OpenAPI document, which the route inventory test
 * keeps equal to the router) refuses an unknown query parameter, over mTLS, against real apt.
 */

const hostUnchanged = hostPackageState();
let agent: AptAgent;
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is read structurally
let document: any;

before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`] } });
  const res = await agent.request('GET', '/openapi.json');
  assert.equal(res.status, 200, res.text);
  document = res.json;
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

/** The dpkg database of the sandbox root: the status file and every file of the info directory. */
function packageDatabase(): string {
  const dpkg = join(agent.sandbox.root, 'var/lib/dpkg');
  const info = readdirSync(join(dpkg, 'info')).sort();
  return JSON.stringify([
    fingerprintFile(join(dpkg, 'status')),
    ...info.map((name) => [name, fingerprintFile(join(dpkg, 'info', name))]),
  ]);
}

function operations(): { method: string; path: string; query: string[] }[] {
  return Object.entries(
    document.paths as Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>,
  ).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      query: (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name),
    })),
  );
}

function concrete(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_whole, name: string) => (name === 'name' ? HELLO : randomUUID()));
}

/** The answer to a WebSocket upgrade of `path` (the documented GET of /ws/jobs is one). */
async function upgrade(path: string): Promise<Pick<MtlsResponse, 'status' | 'text' | 'json'>> {
  const ws = new WebSocket(`wss://127.0.0.1:${agent.process.port}${path}`, {
    ca: agent.pki.ca.certPem,
    cert: agent.pki.client.certPem,
    key: agent.pki.client.keyPem,
    servername: 'localhost',
  } as ClientOptions);
  const outcome = await Promise.race([
    once(ws, 'open').then(() => null),
    once(ws, 'unexpected-response') as Promise<[{ destroy(): void }, IncomingMessage]>,
  ]);
  if (outcome === null) {
    ws.close();
    return { status: 101, text: '', json: null };
  }
  const [request, response] = outcome;
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  request.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  return { status: response.statusCode ?? 0, text, json: JSON.parse(text) };
}

function assertRefusedNaming(res: Pick<MtlsResponse, 'status' | 'text' | 'json'>, parameter: string, what: string): void {
  assert.equal(res.status, 400, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.json.error.code, 'VALIDATION_ERROR', what);
  assert.deepEqual(
    (res.json.error.details.issues as { path: string }[]).map((issue) => issue.path),
    [parameter],
    what,
  );
}

it('every route refuses an unknown query parameter, and the package database stays byte-identical', async () => {
  const all = operations();
  assert.ok(all.some((operation) => operation.method === 'DELETE') && all.length >= 10, JSON.stringify(all));
  const database = packageDatabase();
  for (const { method, path } of all) {
    const url = `${concrete(path)}?lpa_unknown=1`;
    const res = path === JOB_STREAM_PATH ? await upgrade(url) : await agent.request(method, url);
    assertRefusedNaming(res, 'lpa_unknown', `${method} ${url}`);
    assert.equal(packageDatabase(), database, `${method} ${url} changed the package database`);
  }
  assert.equal((await agent.request('GET', '/jobs')).json.data.total, 0, 'a refused request started a job');
});

it(`DELETE /packages/${HELLO}?dry_run=true does not remove the package`, async () => {
  const database = packageDatabase();
  const deleteQuery = operations().find(
    (operation) => operation.method === 'DELETE' && operation.path === '/packages/{name}',
  )?.query;
  const res = await agent.request('DELETE', `/packages/${HELLO}?dry_run=true`);
  if (deleteQuery?.includes('dry_run')) {
    assert.equal(res.status, 202, res.text);
    const job = await agent.waitForJob(res.json.data.id);
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    assert.deepEqual(job.changes, []);
  } else {
    assertRefusedNaming(res, 'dry_run', 'DELETE with dry_run');
  }
  assert.equal(packageDatabase(), database, 'the package database changed');
  assert.equal((await agent.sandbox.dpkgQuery()).get(HELLO), '1.0-1');
});

it("the document's PackageName pattern is apt's grammar, and the agent accepts exactly the names it describes", async () => {
  const schema = document.components.schemas.PackageName;
  assert.equal(schema.pattern, NAME_PATTERN.source);
  assert.equal(schema.maxLength, 255);
  const pattern = new RegExp(schema.pattern);
  for (const name of NAME_GRAMMAR_PROBES) {
    const res = await agent.request('GET', `/packages/${encodeURIComponent(name)}`);
    const documented = name.length <= schema.maxLength && pattern.test(name);
    assert.equal(res.status === 400, !documented, `${name}: ${res.status} ${res.text}`);
  }
});
