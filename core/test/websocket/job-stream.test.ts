import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import WebSocket, { type ClientOptions } from 'ws';
import type { Job } from '../../src/contracts/job.js';
import { type RouteAgent, startRouteAgent } from '../routes/route-agent.js';

interface Update {
  type: string;
  epoch: string;
  seq: number;
  job: Job;
}

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'], dep: ['1.0'] } } });
});
after(() => a.stop());

/** TLS options of the test client (servername is passed through to tls.connect). */
function tls(withCertificate = true): ClientOptions {
  return {
    ca: a.t.pki.ca.certPem,
    servername: 'localhost',
    ...(withCertificate ? { cert: a.t.pki.client.certPem, key: a.t.pki.client.keyPem } : {}),
  } as ClientOptions;
}

function connect(query = '', withCertificate = true): WebSocket {
  return new WebSocket(`wss://127.0.0.1:${a.t.port}/ws/jobs${query}`, tls(withCertificate));
}

/** Collects parsed messages of an open socket. */
async function open(query = ''): Promise<{ ws: WebSocket; updates: Update[] }> {
  const ws = connect(query);
  const updates: Update[] = [];
  ws.on('message', (data) => updates.push(JSON.parse(String(data)) as Update));
  await once(ws, 'open');
  return { ws, updates };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('every job update arrives as {type, epoch, seq, job} with an increasing seq', async () => {
  const { ws, updates } = await open();
  const job = (await a.call('POST', '/packages', { packages: [{ name: 'dep' }] })).json.data as Job;
  await until(
    () => updates.some((update) => update.job.id === job.id && update.job.status === 'completed'),
    'the completed update',
  );
  ws.close();
  const mine = updates.filter((update) => update.job.id === job.id);
  assert.ok(mine.every((update) => update.type === 'job_update' && Object.keys(update).sort().join() === 'epoch,job,seq,type'));
  assert.ok(mine.every((update) => update.epoch === a.t.agent.jobStream.epoch));
  assert.deepEqual(
    mine.map((update) => update.seq),
    [...mine.map((update) => update.seq)].sort((x, y) => x - y),
  );
  assert.equal(new Set(mine.map((update) => update.seq)).size, mine.length, 'no seq twice');
  assert.deepEqual([...new Set(mine.map((update) => update.job.status))], ['pending', 'running', 'completed']);
  assert.deepEqual(mine.at(-1)?.job.changes, [{ name: 'dep', action: 'installed', from_version: null, to_version: '1.0' }]);
  const upgrade = await a.t.waitForAudit('api_request', (record) => record.path === '/ws/jobs' && record.status === 101);
  assert.equal(upgrade.client_cn ?? (upgrade.client as { cn?: string } | undefined)?.cn, 'test-admin');
});

test('?job_id= receives only that job; ?since=N replays the retained updates after N', async () => {
  const filtered = await open();
  const first = (await a.call('PUT', '/packages/hello')).json.data as Job;
  const second = (await a.call('DELETE', '/packages/dep')).json.data as Job;
  await a.waitForJob(first.id);
  await a.waitForJob(second.id);
  filtered.ws.close();
  const firstSeq = filtered.updates.find((update) => update.job.id === first.id)?.seq as number;

  const only = await open(`?job_id=${second.id}&since=0`);
  await until(() => only.updates.some((update) => update.job.status === 'completed'), 'the replayed updates of the second job');
  only.ws.close();
  assert.ok(only.updates.every((update) => update.job.id === second.id));

  const resumed = await open(`?since=${firstSeq}`);
  const expected = filtered.updates.filter((update) => update.seq > firstSeq).map((update) => update.seq);
  await until(() => resumed.updates.length >= expected.length, 'the replay');
  resumed.ws.close();
  assert.deepEqual(
    resumed.updates.slice(0, expected.length).map((update) => update.seq),
    expected,
    'the reconnecting client misses nothing and sees nothing twice',
  );
});

test('the stream needs a client certificate, the right path and sane parameters', async () => {
  const anonymous = connect('', false);
  const [error] = await Promise.race([once(anonymous, 'error'), once(anonymous, 'unexpected-response')]);
  assert.ok(error, 'refused without a certificate');
  for (const [path, parameter] of [
    ['?since=-1', 'since'],
    ['?job_id=nope', 'job_id'],
    ['?foo=1', 'foo'],
    ['?since=1&since=2', 'since'],
  ] as const) {
    const ws = connect(path);
    const [request, response] = (await once(ws, 'unexpected-response')) as [{ destroy(): void }, IncomingMessage];
    assert.equal(response.statusCode, 400, path);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    assert.equal(envelope.success, false, path);
    assert.equal(envelope.error.code, 'VALIDATION_ERROR', path);
    assert.deepEqual(
      envelope.error.details.issues.map((issue: { path: string }) => issue.path),
      [parameter],
      path,
    );
    request.destroy();
  }
  const wrong = new WebSocket(`wss://127.0.0.1:${a.t.port}/ws/other`, tls());
  const [request, response] = (await once(wrong, 'unexpected-response')) as [{ destroy(): void }, { statusCode: number }];
  assert.equal(response.statusCode, 404);
  request.destroy();
});

test('the replay buffer is bounded: ?since=0 after many updates replays only the last 1000', async () => {
  const stream = a.t.agent.jobStream;
  const job = (await a.call('GET', '/jobs')).json.data.jobs[0] as Job;
  for (let i = 0; i < 1100; i++) stream.publish({ ...job, progress: i % 100 });
  const latest = stream.seq;
  const { ws, updates } = await open('?since=0');
  await until(() => updates.length >= 1001, 'the replay');
  await new Promise((resolve) => setTimeout(resolve, 100));
  ws.close();
  assert.equal(updates.length, 1001);
  assert.deepEqual(updates[0], { type: 'resync', epoch: stream.epoch, seq: latest, reason: 'updates_dropped' });
  assert.equal(updates[1]?.seq, latest - 999);
  assert.equal(updates.at(-1)?.seq, latest);
});

test('a client message beyond maxPayload closes the stream', async () => {
  const { ws } = await open();
  ws.send('x'.repeat(64 * 1024));
  const [code] = (await once(ws, 'close')) as [number];
  assert.equal(code, 1009);
});

test('a consumer that does not read is disconnected instead of growing memory', async () => {
  const stream = a.t.agent.jobStream;
  const { ws } = await open();
  await until(() => stream.clientCount >= 1, 'the server to see the client');
  const droppedBefore = stream.droppedClients;
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const big: Job = {
    id: '00000000-0000-4000-8000-00000000beef',
    type: 'package_install',
    status: 'running',
    progress: 50,
    progress_message: null,
    created_at: '2026-01-01T00:00:00Z',
    started_at: '2026-01-01T00:00:00Z',
    finished_at: null,
    request: {},
    client: null,
    changes: [],
    plan: null,
    plan_hash: null,
    log: Array.from({ length: 200 }, () => 'y'.repeat(1000)),
    error: null,
    rollback_of: null,
    rolled_back_by: null,
  };
  for (let i = 0; i < 2000 && stream.droppedClients === droppedBefore; i++) {
    // A log that changes every time, so that every update carries it.
    stream.publish({ ...big, log: [...big.log.slice(1), `line ${i}`] });
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(stream.droppedClients, droppedBefore + 1, 'the slow client was dropped');
  ws.terminate();
});

test('the stream stays open during a rollback (exclusive mode does not apply to it)', async () => {
  const install = (await a.call('POST', '/packages', { packages: [{ name: 'dep' }] })).json.data as Job;
  await a.waitForJob(install.id);
  await a.pm.setBehaviour({ sleepMs: 1500 });
  const rollback = (await a.call('POST', `/jobs/${install.id}/rollback`)).json.data as Job;
  assert.equal((await a.call('GET', '/packages')).status, 503);
  const { ws, updates } = await open(`?job_id=${rollback.id}&since=0`);
  await until(() => updates.some((update) => update.job?.status === 'completed'), 'the rollback to complete on the stream');
  ws.close();
  await a.pm.setBehaviour({});
});

test('resuming: the same epoch replays without a resync; another epoch or a seq beyond the latest gets a resync first', async () => {
  const stream = a.t.agent.jobStream;
  const job = (await a.call('GET', '/jobs')).json.data.jobs[0] as Job;
  stream.publish({ ...job, progress: 1 });
  stream.publish({ ...job, progress: 2 });
  const latest = stream.seq;

  const same = await open(`?since=${latest - 1}&epoch=${stream.epoch}`);
  await until(() => same.updates.length >= 1, 'the replay');
  await new Promise((resolve) => setTimeout(resolve, 100));
  same.ws.close();
  assert.deepEqual(
    same.updates.map((update) => [update.type, update.seq]),
    [['job_update', latest]],
  );

  const otherEpoch = '00000000-0000-4000-8000-000000000001';
  for (const query of [`?since=${latest - 1}&epoch=${otherEpoch}`, `?since=${latest + 5000}`]) {
    const other = await open(`${query}&job_id=${job.id}`);
    await until(() => other.updates.length >= 2, `the resync (${query})`);
    other.ws.close();
    assert.deepEqual(other.updates[0], { type: 'resync', epoch: stream.epoch, seq: latest, reason: 'epoch_changed' }, query);
    assert.ok(
      other.updates.slice(1).every((update) => update.type === 'job_update' && update.job.id === job.id),
      'after the resync, the retained updates of this epoch follow',
    );
  }
});

test('an update carries the log only when it changed since that job’s previous update, and keeps the progress message', async () => {
  const stream = a.t.agent.jobStream;
  const { ws, updates } = await open();
  await until(() => stream.clientCount >= 1, 'the server to see the client');
  const base = (await a.call('GET', '/jobs')).json.data.jobs[0] as Job;
  const job: Job = { ...base, id: '00000000-0000-4000-8000-0000000010a0', status: 'running', log: ['one'] };
  stream.publish(job);
  stream.publish({ ...job, progress: 40, progress_message: 'Unpacking hello' });
  stream.publish({ ...job, progress: 50, log: ['one', 'two'] });
  stream.publish({ ...job, status: 'completed', progress: 100, log: ['one', 'two'] });
  await until(() => updates.filter((update) => update.job.id === job.id).length >= 4, 'the four updates');
  ws.close();
  const mine = updates.filter((update) => update.job.id === job.id).map((update) => update.job);
  assert.deepEqual(
    mine.map((update) => update.log),
    [['one'], undefined, ['one', 'two'], undefined],
  );
  assert.equal(mine[1]?.progress_message, 'Unpacking hello');
});

test("the backend's progress message is kept in the job", async () => {
  const job = (await a.call('POST', '/packages', { packages: [{ name: 'dep' }] })).json.data as Job;
  assert.equal(job.progress_message, null);
  const done = await a.waitForJob(job.id);
  // The fake package manager's backend reports each `progress N what` line as its message.
  assert.match(String(done.progress_message), /^progress 100 /);
});
