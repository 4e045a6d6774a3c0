import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import WebSocket, { type ClientOptions } from 'ws';
import { ifMatch } from '../support/plans.js';
import { hostSharedLibrary, type MappingProcess, startMappingProcess } from '../support/processes.js';
import { publishAptPackages } from '../support/sandbox/apt.js';
import { waitFor } from '../support/wait.js';
import { type AptAgent, hostPackageState, type JobRecord, startAptAgent } from './support.js';

const KERNEL = 'linux-image-9.9-test';
const LIB = 'lpa-fixture-lib';
const LIBRARY = '/usr/lib/lpa-fixture-lib/libfixture.so.1';
const SVC = 'lpa-fixture-svc';
const UNIT = 'lpa-fixture-svc.service';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
const started: MappingProcess[] = [];

before(async () => {
  const library = await hostSharedLibrary();
  const unit = '[Unit]\nDescription=linux-patch-api test fixture\n[Service]\nExecStart=/bin/sleep 600\n';
  agent = await startAptAgent({
    sandbox: { withShell: true },
    prepare: async (sandbox) => {
      await publishAptPackages(sandbox, [
        { name: KERNEL, version: '1.0-1', files: { 'boot/vmlinuz-9.9-test': 'not really a kernel\n' } },
        { name: LIB, version: '1.0-1', files: { [LIBRARY.slice(1)]: library } },
        { name: LIB, version: '1.1-1', files: { [LIBRARY.slice(1)]: library } },
        { name: SVC, version: '1.0-1', files: { [`lib/systemd/system/${UNIT}`]: unit } },
        { name: SVC, version: '1.1-1', files: { [`lib/systemd/system/${UNIT}`]: unit } },
      ]);
      await sandbox.aptGet(['-q', 'update']);
      await sandbox.aptGet(['-y', '-q', 'install', '--', `${LIB}=1.0-1`, `${SVC}=1.0-1`]);
    },
  });
});
after(async () => {
  for (const process of started) await process.stop();
  await agent?.stop();
  hostUnchanged();
});

async function mapping(library: string, root: string | null): Promise<MappingProcess> {
  const process = await startMappingProcess(library, root);
  started.push(process);
  return process;
}

/** Runs a dry run, then the same request with If-Match on its plan; returns both jobs. */
async function planThenApply(method: string, path: string, body: Record<string, unknown> = {}) {
  const plan: JobRecord = await agent.runJob(method, path, { ...body, dry_run: true });
  assert.equal(plan.status, 'completed', JSON.stringify(plan.error));
  const job: JobRecord = await agent.runJob(method, path, Object.keys(body).length > 0 ? body : undefined, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  return { plan, job };
}

it('GET /capabilities declares the reboot forecast', async () => {
  const res = await agent.request('GET', '/capabilities');
  assert.equal(res.json.data.reboot_forecast, true);
});

it('a kernel package forecasts a reboot with its reason, and the outcome agrees, on GET and the WebSocket', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${agent.process.port}/ws/jobs`, {
    ca: agent.pki.ca.certPem,
    cert: agent.pki.client.certPem,
    key: agent.pki.client.keyPem,
    servername: 'localhost',
  } as ClientOptions);
  const streamed: JobRecord[] = [];
  ws.on('message', (data) => streamed.push(JSON.parse(String(data)).job));
  await once(ws, 'open');
  const { plan, job } = await planThenApply('POST', '/packages', { packages: [{ name: KERNEL }] });
  await waitFor(() => streamed.some((update) => update?.id === job.id && update.status === 'completed'), {
    what: 'the finished job on the WebSocket',
  });
  ws.close();
  const streamedPlan = streamed.findLast((update) => update?.id === plan.id);
  assert.deepEqual(streamedPlan.forecast, plan.forecast);
  const streamedJob = streamed.findLast((update) => update?.id === job.id);
  assert.deepEqual(streamedJob.outcome, job.outcome);
  assert.equal(streamedJob.forecast_matched, true);

  assert.equal(plan.forecast.reboot_required, true);
  assert.deepEqual(
    plan.forecast.reasons.map((r: { package: string }) => r.package),
    [KERNEL],
  );
  assert.match(plan.forecast.reasons[0].why, /kernel/);
  assert.deepEqual(job.forecast, plan.forecast, 'the job ran with the plan it was shown');
  assert.equal(job.outcome.reboot_required, true);
  assert.ok(job.outcome.reasons.some((r: { package: string }) => r.package === KERNEL));
  assert.equal(job.forecast_matched, true);
});

it('a process inside the root that maps a library is forecast, and after the upgrade still maps the deleted file', async () => {
  const inside = await mapping(LIBRARY, agent.sandbox.root);
  // The same file mapped by a host process: not a process of this root, so not this job's concern.
  const outside = await mapping(join(agent.sandbox.root, LIBRARY), null);
  const { plan, job } = await planThenApply('PUT', `/packages/${LIB}`);
  const pids = (record: { processes: { pid: number }[] }) => record.processes.map((p) => p.pid);
  assert.deepEqual(pids(plan.forecast), [inside.pid]);
  assert.match(plan.forecast.processes[0].reason, /libfixture\.so\.1/);
  assert.match(plan.forecast.processes[0].command, /sleep/);
  assert.equal(plan.forecast.reboot_required, false);
  assert.deepEqual(pids(job.outcome), [inside.pid]);
  assert.match(job.outcome.processes[0].reason, /replaced .*libfixture\.so\.1/);
  assert.equal(job.outcome.reboot_required, false);
  assert.equal(job.forecast_matched, true);
  assert.match(await readFile(`/proc/${inside.pid}/maps`, 'utf8'), /libfixture\.so\.1 \(deleted\)/);
  assert.ok(!pids(job.outcome).includes(outside.pid));
});

it("a package's systemd unit is forecast as a service to restart, and the outcome names it", async () => {
  const { plan, job } = await planThenApply('PUT', `/packages/${SVC}`);
  assert.deepEqual(plan.forecast.services, [UNIT]);
  assert.deepEqual(job.outcome.services, [UNIT]);
  assert.equal(job.forecast_matched, true);
});

it('a job without a plan still carries its outcome; forecast_matched is null', async () => {
  const job = await agent.runJob('DELETE', `/packages/${SVC}`);
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(job.outcome.services, [UNIT]);
  assert.equal(job.forecast ?? null, null);
  assert.equal(job.forecast_matched, null);
});
