import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import WebSocket, { type ClientOptions } from 'ws';
import type { Job } from '../../src/contracts/job.js';
import { type RouteAgent, startRouteAgent } from '../routes/route-agent.js';

// The WebSocket server loads on the first upgrade: upgrades that arrive while it loads must wait for
// it and then be served like any later one, none lost or refused.

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'] } } });
});
after(() => a.stop());

test('upgrades that arrive together as the first ones all open and all receive updates', async () => {
  const options = {
    ca: a.t.pki.ca.certPem,
    servername: 'localhost',
    cert: a.t.pki.client.certPem,
    key: a.t.pki.client.keyPem,
  } as ClientOptions;
  const sockets = [0, 1, 2, 3].map(() => new WebSocket(`wss://127.0.0.1:${a.t.port}/ws/jobs`, options));
  const received = sockets.map(() => [] as Job[]);
  sockets.forEach((ws, index) => {
    ws.on('message', (data) => received[index]?.push((JSON.parse(String(data)) as { job: Job }).job));
  });
  await Promise.all(sockets.map((ws) => once(ws, 'open')));
  const job = (await a.call('PUT', '/packages/hello')).json.data as Job;
  await a.waitForJob(job.id);
  const deadline = Date.now() + 20_000;
  while (!received.every((jobs) => jobs.some((update) => update.id === job.id && update.status === 'completed'))) {
    if (Date.now() > deadline) assert.fail(`not every socket got the completed update: ${received.map((jobs) => jobs.length)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const ws of sockets) ws.close();
});
