import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { processesMentioning } from '../support/processes.js';
import { SLOW, SLOW_STARTED_MARKER } from '../support/sandbox/apt.js';
import { waitFor } from '../support/wait.js';
import { type AptAgent, hostPackageState, startAptAgent } from './support.js';

// The agent is killed with SIGKILL while apt-get → dpkg → the fixture's postinst (sleep 120) runs on
// the sandbox root, and nothing else stops them: the package manager outlives the agent in its own
// process group. The next start must find it from the job file, wait for it (lock_wait_seconds)
// and stop it, repair dpkg (its lock is free only once the orphan is gone), and audit what changed.

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({
    sandbox: { withShell: true },
    config: {
      jobs: { max_concurrent: 5, timeout_seconds: 600, max_queued: 100, retention_seconds: 86400, lock_wait_seconds: 2 },
    },
  });
});
after(async () => {
  for (const pid of await processesMentioning(agent.sandbox.dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await agent?.stop();
  hostUnchanged();
});

it('after kill -9 the orphaned apt-get is found by its recorded process group, stopped, dpkg repaired, the changes audited', async () => {
  const submitted = await agent.request('POST', '/packages', { packages: [{ name: SLOW }] });
  assert.equal(submitted.status, 202, submitted.text);
  const jobId = submitted.json.data.id;
  await waitFor(() => existsSync(join(agent.sandbox.root, SLOW_STARTED_MARKER)), {
    timeoutMs: 60_000,
    what: 'the slow postinst',
  });

  const jobFile = JSON.parse(await readFile(join(agent.dir, 'state/jobs', `${jobId}.json`), 'utf8'));
  const aptGet = jobFile.package_manager.find((p: { file: string }) => p.file === '/usr/bin/apt-get');
  assert.ok(aptGet, `the job file records apt-get: ${JSON.stringify(jobFile.package_manager)}`);
  assert.equal(aptGet.pgid, aptGet.pid, 'apt-get leads its own process group');
  assert.equal(jobFile.status, 'running');

  process.kill(agent.process.child.pid!, 'SIGKILL');
  await new Promise((resolve) => agent.process.child.once('exit', resolve));
  const orphans = await processesMentioning(agent.sandbox.dir);
  assert.ok(orphans.includes(aptGet.pid), 'apt-get outlived the agent');
  assert.notEqual((await agent.sandbox.dpkgAudit()).trim(), '', 'dpkg is half-done while the orphan runs');

  await agent.restart();
  const records = await agent.auditRecords();
  const interrupted = records.find((r) => r.event === 'job_interrupted' && r.job_id === jobId);
  assert.ok(interrupted, 'job_interrupted is written by the next start');
  assert.equal(interrupted.status, 'running');
  assert.deepEqual(
    interrupted.package_manager.map((p: { pid: number }) => p.pid),
    jobFile.package_manager.map((p: { pid: number }) => p.pid),
  );
  const recovered = records.find((r) => r.event === 'job_recovered' && r.job_id === jobId);
  assert.ok(recovered, 'the recovery is audited before the agent listens');
  assert.ok(
    recovered.orphans.some((o: { pid: number; command: string }) => o.pid === aptGet.pid && o.command.includes('apt-get')),
    JSON.stringify(recovered.orphans),
  );
  assert.ok(['stopped', 'killed'].includes(recovered.orphan_outcome), recovered.orphan_outcome);
  assert.equal(recovered.repair.needed, true);
  assert.equal(recovered.repair.consistent, true, JSON.stringify(recovered.repair));
  assert.deepEqual(recovered.changes, [{ name: SLOW, action: 'installed', from_version: null, to_version: '1.0-1' }]);

  assert.equal((await agent.sandbox.dpkgAudit()).trim(), '', 'dpkg is consistent');
  assert.deepEqual(
    (await processesMentioning(agent.sandbox.dir)).filter((pid) => pid !== agent.process.child.pid),
    [],
    'no package-manager process is left',
  );
  const pkg = await agent.request('GET', `/packages/${SLOW}`);
  assert.equal(pkg.json.data.status, 'installed');
  const next = await agent.runJob('DELETE', `/packages/${SLOW}`);
  assert.equal(next.status, 'completed', JSON.stringify(next.error));
});
