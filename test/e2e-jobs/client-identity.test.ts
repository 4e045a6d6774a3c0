import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type AuditAgent, startAuditAgent } from '../e2e-audit/support.js';
import { waitFor } from '../support/wait.js';

// Every job audit record names who asked: the certificate's CN, serial and fingerprint, and the
// address the request came from; also the job_interrupted record written by the next start.

let agent: AuditAgent;
before(async () => {
  agent = await startAuditAgent({ sinks: ['file'] });
});
after(async () => {
  await agent?.dispose();
});

function assertIdentity(record: Record<string, unknown>): void {
  const { commonName, serial, fingerprint256 } = agent.pki.client;
  assert.deepEqual(
    { client: record.client, ip: record.ip },
    { client: { cn: commonName, serial, fingerprint256 }, ip: '127.0.0.1' },
    `${record.event} ${record.kind ?? ''}`,
  );
}

it('job_intent, job_update, job_completed and job_interrupted carry CN, serial, fingerprint and IP', async () => {
  const submitted = await agent.request('POST', '/packages', { packages: [{ name: 'extra' }] });
  assert.equal(submitted.status, 202, submitted.text);
  const done = await agent.waitForJob(submitted.json.data.id);
  assert.equal(done.status, 'completed');
  await agent.waitForRecord('job_completed', (r) => r.job_id === done.id);
  const records = (await agent.auditRecords()).filter((r) => r.job_id === done.id);
  assert.deepEqual(
    records.map((r) => r.event),
    ['job_intent', 'job_update', 'job_update', 'job_completed'],
  );
  for (const record of records) assertIdentity(record);

  // A job still running when the agent is killed: the next start audits it as interrupted, with the identity.
  await agent.fakePm.setBehaviour({ sleepMs: 60_000 });
  const slow = await agent.request('POST', '/packages', { packages: [{ name: 'hello', version: '1.1' }] });
  assert.equal(slow.status, 202, slow.text);
  await waitFor(async () => (await agent.fakePm.events()).some((line) => line.startsWith('start ')), {
    what: 'the package manager to start',
  });
  await agent.stop('SIGKILL');
  await agent.fakePm.setBehaviour({});
  await agent.restart();
  const interrupted = await agent.waitForRecord('job_interrupted', (r) => r.job_id === slow.json.data.id);
  assertIdentity(interrupted);
});
