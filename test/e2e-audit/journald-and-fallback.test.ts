import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { waitFor } from '../support/wait.js';
import { type AuditAgent, startAuditAgent } from './support.js';

// `audit.sinks: [auto]` on a host where the journald socket exists (a test-owned datagram socket,
// passed to the plugin through LPA_JOURNALD_SOCKET): records go to journald, not to the file.
// When journald goes away, records fall back to the file sink and the failure is audited there.

interface Receiver {
  bind(path: string): void;
  on(event: 'message', listener: (message: Buffer) => void): void;
  close(): void;
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): Receiver };

function fieldsOf(datagram: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < datagram.length) {
    const newline = datagram.indexOf(0x0a, offset);
    const line = datagram.subarray(offset, newline).toString('utf8');
    const equals = line.indexOf('=');
    if (equals !== -1) {
      fields.set(line.slice(0, equals), line.slice(equals + 1));
      offset = newline + 1;
    } else {
      const length = Number(datagram.readBigUInt64LE(newline + 1));
      fields.set(line, datagram.subarray(newline + 9, newline + 9 + length).toString('utf8'));
      offset = newline + 9 + length + 1;
    }
  }
  return fields;
}

let dir: string;
let socketPath: string;
let receiver: Receiver;
const entries: Map<string, string>[] = [];
let agent: AuditAgent;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-e2e-journald-'));
  socketPath = join(dir, 'journal.socket');
  receiver = unixDgram.createSocket('unix_dgram');
  receiver.on('message', (message) => entries.push(fieldsOf(Buffer.from(message))));
  receiver.bind(socketPath);
  agent = await startAuditAgent({
    sinks: ['auto'],
    env: { LPA_JOURNALD_SOCKET: socketPath, LPA_SYSLOG_SOCKET: join(dir, 'none') },
  });
});

after(async () => {
  await agent?.dispose();
  await rm(dir, { recursive: true, force: true });
});

it('auto chooses journald when its socket exists: records arrive with their LPA_* fields, not in the file', async () => {
  const start = await waitFor(() => entries.find((e) => e.get('LPA_EVENT') === 'agent_start'), {
    what: 'agent_start in journald',
  });
  assert.equal(start.get('SYSLOG_IDENTIFIER'), 'linux-patch-api');
  const res = await agent.request('GET', '/health');
  const requestId = res.json.request_id;
  const request = await waitFor(() => entries.find((e) => e.get('LPA_REQUEST_ID') === requestId), {
    what: 'api_request in journald',
  });
  assert.equal(request.get('LPA_EVENT'), 'api_request');
  assert.equal(request.get('LPA_CLIENT_CN'), agent.pki.client.commonName);
  assert.equal(request.get('LPA_CLIENT_FINGERPRINT'), agent.pki.client.fingerprint256);
  assert.equal(request.get('LPA_IP'), '127.0.0.1');
  assert.equal(request.get('LPA_PATH'), '/health');
  assert.equal(JSON.parse(request.get('LPA_RECORD')!).status, 200);

  const job = await agent.request('POST', '/packages', { packages: [{ name: 'extra' }] });
  assert.equal(job.status, 202, job.text);
  const jobId = job.json.data.id;
  await agent.waitForJob(jobId);
  const intent = await waitFor(() => entries.find((e) => e.get('LPA_EVENT') === 'job_intent' && e.get('LPA_JOB_ID') === jobId), {
    what: 'job_intent in journald',
  });
  assert.equal(intent.get('PRIORITY'), '5');
  await waitFor(() => entries.find((e) => e.get('LPA_EVENT') === 'job_completed' && e.get('LPA_JOB_ID') === jobId), {
    what: 'job_completed in journald',
  });
  assert.deepEqual(await agent.auditRecords(), [], 'the file sink only stands by');
});

it('when journald goes away, records go to the file sink and the failure is audited there; intents are still accepted', async () => {
  receiver.close();
  await unlink(socketPath);
  const res = await agent.request('GET', '/health');
  const requestId = res.json.request_id;
  const fallen = await agent.waitForRecord('api_request', (r) => r.request_id === requestId);
  assert.equal(fallen.path, '/health');
  const failure = await agent.waitForRecord('audit_sink_failure');
  assert.equal(failure.sink, 'journald');
  assert.match(failure.error, /ENOENT|ECONNREFUSED/);

  const job = await agent.request('POST', '/packages', { packages: [{ name: 'hello', version: '1.1' }] });
  assert.equal(job.status, 202, job.text);
  await agent.waitForRecord('job_intent', (r) => r.job_id === job.json.data.id);
});
