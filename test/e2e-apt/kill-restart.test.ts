import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { processesMentioning } from '../support/processes.js';
import { SLOW, SLOW_STARTED_MARKER } from '../support/sandbox/apt.js';
import { waitFor } from '../support/wait.js';
import { type AptAgent, hostPackageState, startAptAgent } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { withShell: true } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('after kill -9 during an install, the restarted agent reports the job interrupted and repairs dpkg', async () => {
  const submitted = await agent.request('POST', '/packages', { packages: [{ name: SLOW }] });
  assert.equal(submitted.status, 202, submitted.text);
  const jobId = submitted.json.data.id;
  await waitFor(() => existsSync(join(agent.sandbox.root, SLOW_STARTED_MARKER)), {
    timeoutMs: 60_000,
    what: 'the slow postinst',
  });

  // The agent dies hard; like systemd's control-group kill, its package-manager children go too.
  const agentPid = agent.process.child.pid!;
  process.kill(agentPid, 'SIGKILL');
  await new Promise((resolve) => agent.process.child.once('exit', resolve));
  for (const pid of await processesMentioning(agent.sandbox.dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await waitFor(async () => (await processesMentioning(agent.sandbox.dir)).length === 0, { what: 'the orphans to exit' });
  assert.notEqual((await agent.sandbox.dpkgAudit()).trim(), '', 'dpkg was not left half-done');

  await agent.restart();
  const interrupted = await waitFor(
    async () => (await agent.auditRecords()).find((r) => r.event === 'job_interrupted' && r.job_id === jobId),
    { timeoutMs: 30_000, what: 'the job_interrupted audit record' },
  );
  assert.equal(interrupted.type, 'package_install');
  await waitFor(async () => (await agent.sandbox.dpkgAudit()).trim() === '', {
    timeoutMs: 60_000,
    what: 'dpkg --audit to be clean',
  });
  const pkg = await agent.request('GET', `/packages/${SLOW}`);
  assert.equal(pkg.status, 200, pkg.text);
  assert.equal(pkg.json.data.status, 'installed');
});
