import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { waitFor } from '../support/wait.js';
import { type AuditAgent, startAuditAgent } from './support.js';

// The intent record is fsynced before the package manager starts: kill the agent with SIGKILL the
// moment the package manager is running and the record is still there, whole and chained; the
// restarted agent then records the job as interrupted.

let agent: AuditAgent;
before(async () => {
  agent = await startAuditAgent({ sinks: ['file'], behaviour: { sleepMs: 60_000, progressSteps: 60 } });
});
after(async () => {
  await agent?.dispose();
});

it('the intent record exists after SIGKILL right after the package manager was spawned, and the job is recorded interrupted', async () => {
  const res = await agent.request('POST', '/packages', { packages: [{ name: 'extra', version: '3.0' }] });
  assert.equal(res.status, 202, res.text);
  const jobId = res.json.data.id;
  const started = await waitFor(async () => (await agent.fakePm.events()).find((line) => line.startsWith('start ')), {
    timeoutMs: 30_000,
    what: 'the package manager to start',
  });
  process.kill(agent.process.child.pid!, 'SIGKILL');
  await agent.stop('SIGKILL');
  const pmPid = Number(started.split(' ')[1]);
  try {
    process.kill(-pmPid, 'SIGKILL');
  } catch {
    // already gone
  }

  const records = await agent.auditRecords();
  const intent = records.find((r) => r.event === 'job_intent' && r.job_id === jobId);
  assert.ok(intent, 'the intent record survived the kill');
  assert.equal(intent.type, 'package_install');
  assert.deepEqual(intent.request.packages, [{ name: 'extra', version: '3.0' }]);
  assert.ok(!records.some((r) => r.event === 'job_completed' && r.job_id === jobId));

  await agent.restart();
  const interrupted = await agent.waitForRecord('job_interrupted', (r) => r.job_id === jobId);
  assert.equal(interrupted.phase, 'agent_start');
  assert.equal(interrupted.type, 'package_install');
  const { listAuditFiles, verifyAuditFiles } = await import('../../core/src/audit/verify.js');
  assert.equal((await verifyAuditFiles(await listAuditFiles(agent.logDir))).ok, true, 'the chain is intact across the kill');
});
