import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import WebSocket, { type ClientOptions } from 'ws';
import { HELLO, type HeldLock, holdFcntlLock } from '../support/sandbox/apt.js';
import { waitFor } from '../support/wait.js';
import { type AptAgent, hostPackageState, startAptAgent } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
let holder: HeldLock | undefined;
before(async () => {
  agent = await startAptAgent();
});
after(async () => {
  await holder?.release();
  await agent?.stop();
  hostUnchanged();
});

it('while another process holds the dpkg lock the job is running with waiting {lock, pid, command, since}, on GET and the WebSocket', async () => {
  const lockFile = join(agent.sandbox.root, 'var/lib/dpkg/lock-frontend');
  holder = await holdFcntlLock(lockFile);

  const ws = new WebSocket(`wss://127.0.0.1:${agent.process.port}/ws/jobs`, {
    ca: agent.pki.ca.certPem,
    cert: agent.pki.client.certPem,
    key: agent.pki.client.keyPem,
    servername: 'localhost',
  } as ClientOptions);
  // biome-ignore lint/suspicious/noExplicitAny: messages are read freely
  const updates: any[] = [];
  ws.on('message', (data) => updates.push(JSON.parse(String(data))));
  await once(ws, 'open');

  const submitted = await agent.request('POST', '/packages', { packages: [{ name: HELLO }] });
  assert.equal(submitted.status, 202, submitted.text);
  const id = submitted.json.data.id;
  const waiting = await waitFor(
    async () => {
      const job = (await agent.request('GET', `/jobs/${id}`)).json.data;
      return job.waiting ? job : undefined;
    },
    { timeoutMs: 30_000, what: 'the job to show that it waits' },
  );
  assert.equal(waiting.status, 'running');
  assert.equal(waiting.waiting.lock, lockFile);
  assert.equal(waiting.waiting.pid, holder.pid);
  assert.match(waiting.waiting.command, /perl/);
  assert.ok(!Number.isNaN(Date.parse(waiting.waiting.since)));
  await waitFor(() => updates.some((u) => u.job.id === id && u.job.waiting?.pid === holder!.pid), {
    what: 'the waiting state on the WebSocket',
  });

  await holder.release();
  const done = await agent.waitForJob(id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(done.waiting, null, 'no longer waiting');
  await waitFor(() => updates.some((u) => u.job.id === id && u.job.status === 'running' && u.job.waiting === null), {
    what: 'the end of the wait on the WebSocket',
  });
  ws.close();
  const records = (await agent.auditRecords()).filter((r) => r.job_id === id && r.event === 'job_update');
  assert.ok(
    records.some((r) => r.waiting?.pid === holder!.pid),
    'the wait is audited with the holder',
  );
});
