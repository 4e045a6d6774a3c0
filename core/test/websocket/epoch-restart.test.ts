import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket, { type ClientOptions } from 'ws';
import {
  type AgentProcess,
  createTestPki,
  freePort,
  REPO_ROOT,
  spawnAgentProcess,
  type TestPki,
  writeAgentConfig,
} from '../../../test/support/agent.js';
import { createFakePackageManager, type FakePackageManager } from '../../../test/support/fake-package-manager/index.js';
import { mtlsRequest } from '../../../test/support/tls-client.js';
import { waitFor } from '../jobs/harness.js';

/**
 * Resuming the job stream across a real restart of the agent process: seq starts again at 1 in a
 * new epoch, and a client resuming from the old epoch is told to re-read instead of waiting for a
 * seq that this run may never reach.
 */

// biome-ignore lint/suspicious/noExplicitAny: messages are read structurally
type Message = any;

let dir: string;
let pki: TestPki;
let pm: FakePackageManager;
let configPath: string;
let agent: AgentProcess | null = null;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-ws-epoch-'));
  pm = await createFakePackageManager({ installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'], dep: ['1.0'] } });
  pki = await createTestPki(dir);
  ({ configPath } = await writeAgentConfig(dir, {
    port: await freePort(),
    config: {
      plugins: [join(REPO_ROOT, 'test/support/fake-package-manager/plugin.ts')],
      backend: { name: 'fake', root: pm.root },
      audit: { sinks: ['file'] },
    },
  }));
});
after(async () => {
  await agent?.stop('SIGTERM');
  await pm.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function call(method: string, path: string, body?: unknown) {
  if (agent === null) throw new Error('no agent');
  return mtlsRequest({
    port: agent.port,
    ca: pki.ca.certPem,
    cert: pki.client.certPem,
    key: pki.client.keyPem,
    method,
    path,
    ...(body === undefined ? {} : { body }),
  });
}

async function stream(query: string): Promise<{ ws: WebSocket; messages: Message[] }> {
  if (agent === null) throw new Error('no agent');
  const ws = new WebSocket(`wss://127.0.0.1:${agent.port}/ws/jobs${query}`, {
    ca: pki.ca.certPem,
    cert: pki.client.certPem,
    key: pki.client.keyPem,
    servername: 'localhost',
  } as ClientOptions);
  const messages: Message[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await once(ws, 'open');
  return { ws, messages };
}

async function runJob(path: string, method = 'PUT'): Promise<string> {
  const res = await call(method, path);
  assert.equal(res.status, 202, res.text);
  const id = res.json.data.id as string;
  let job: Message = null;
  await waitFor(
    async () => {
      job = (await call('GET', `/jobs/${id}`)).json.data;
      return ['completed', 'failed', 'timed_out'].includes(job.status);
    },
    `job ${id}`,
    90_000,
  );
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  return id;
}

test('after a restart a new epoch starts at seq 1, and a client resuming from the old epoch gets a resync first', async () => {
  agent = await spawnAgentProcess({ configPath, timeoutMs: 60_000 });
  const first = await stream('');
  await runJob('/packages/hello');
  await waitFor(() => first.messages.some((m) => m.job?.status === 'completed'), 'the completed update', 90_000);
  first.ws.close();
  const last = first.messages.at(-1);
  const oldEpoch = last.epoch as string;
  assert.ok(first.messages.every((m) => m.type === 'job_update' && m.epoch === oldEpoch));
  assert.ok(last.seq >= 3);

  assert.equal(await agent.stop('SIGTERM'), 0);
  agent = await spawnAgentProcess({ configPath, timeoutMs: 60_000 });

  // A client of the old run, resuming where it stopped.
  const resumed = await stream(`?since=${last.seq}&epoch=${oldEpoch}`);
  await waitFor(() => resumed.messages.length >= 1, 'the resync', 90_000);
  const resync = resumed.messages[0];
  assert.equal(resync.type, 'resync');
  assert.equal(resync.reason, 'epoch_changed');
  assert.notEqual(resync.epoch, oldEpoch, 'the restarted agent runs in a new epoch');
  assert.equal(resync.seq, 0, 'nothing has happened in the new epoch yet');

  // It then follows the new epoch from seq 1.
  const id = await runJob('/packages/hello', 'DELETE');
  await waitFor(() => resumed.messages.some((m) => m.job?.id === id && m.job.status === 'completed'), 'the new updates', 90_000);
  const updates = resumed.messages.slice(1);
  assert.equal(updates[0].seq, 1);
  assert.ok(updates.every((m) => m.type === 'job_update' && m.epoch === resync.epoch));
  resumed.ws.close();

  // Without the epoch, a seq beyond this run's latest can only be from an earlier run.
  const unaware = await stream(`?since=${last.seq + 100}`);
  await waitFor(() => unaware.messages.length >= 1, 'the resync of a client without an epoch', 90_000);
  assert.equal(unaware.messages[0].type, 'resync');
  assert.equal(unaware.messages[0].epoch, resync.epoch);
  unaware.ws.close();

  // A client of this run resumes without a resync.
  const current = await stream(`?since=1&epoch=${resync.epoch}`);
  await waitFor(() => current.messages.length >= 1, 'the replay', 90_000);
  assert.equal(current.messages[0].type, 'job_update');
  assert.equal(current.messages[0].seq, 2);
  current.ws.close();
});
