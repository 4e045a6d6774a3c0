import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { ifMatch } from '../support/plans.js';
import { hostSharedLibrary, type MappingProcess, startMappingProcess } from '../support/processes.js';
import { addShell } from '../support/sandbox/common.js';
import { hostPacmanState, type JobRecord, type PacmanAgent, startPacmanAgent } from './support.js';

const KERNEL = 'linux';
const LIB = 'lpa-fixture-lib';
const LIBRARY = '/usr/lib/lpa-fixture-lib/libfixture.so.1';
const UNIT = 'lpa-fixture-lib.service';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
let library: Uint8Array;
const started: MappingProcess[] = [];

/** The library package: its .so and a unit file, so one upgrade replaces both. */
const libPackage = (version: string) => ({
  name: LIB,
  version,
  files: {
    [LIBRARY.slice(1)]: library,
    [`usr/lib/systemd/system/${UNIT}`]: '[Service]\nExecStart=/bin/sleep 600\n',
  },
});

before(async () => {
  library = await hostSharedLibrary();
  agent = await startPacmanAgent();
  await addShell(agent.sandbox.root);
  await agent.sandbox.publishExtra([
    { name: KERNEL, version: '9.9-1', files: { 'boot/vmlinuz-9.9-test': 'not really a kernel\n' } },
    libPackage('1.0-1'),
  ]);
  await agent.sandbox.pacman(['-Syy']);
  await agent.sandbox.pacman(['-S', '--', LIB]);
  await agent.sandbox.publishExtra([libPackage('1.1-1')]);
  await agent.sandbox.pacman(['-Syy']);
});
after(async () => {
  for (const process of started) await process.stop();
  await agent?.stop();
  hostUnchanged();
});

async function planThenApply(method: string, path: string, body?: Record<string, unknown>) {
  const plan: JobRecord = await agent.runJob(method, path, { ...body, dry_run: true });
  assert.equal(plan.status, 'completed', JSON.stringify(plan.error));
  const job: JobRecord = await agent.runJob(method, path, body, ifMatch(plan));
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  return { plan, job };
}

it('GET /capabilities declares the reboot forecast', async () => {
  assert.equal((await agent.request('GET', '/capabilities')).json.data.reboot_forecast, true);
});

it('the linux package forecasts a reboot, and the outcome agrees', async () => {
  const { plan, job } = await planThenApply('POST', '/packages', { packages: [{ name: KERNEL }] });
  assert.equal(plan.forecast.reboot_required, true);
  assert.deepEqual(
    plan.forecast.reasons.map((r: { package: string }) => r.package),
    [KERNEL],
  );
  assert.equal(job.outcome.reboot_required, true);
  assert.equal(job.forecast_matched, true);
});

it("an upgrade forecasts the root's process that maps the library and the package's unit; the outcome finds both", async () => {
  const process = await startMappingProcess(LIBRARY, agent.sandbox.root);
  started.push(process);
  const { plan, job } = await planThenApply('PUT', `/packages/${LIB}`);
  assert.deepEqual(
    plan.forecast.processes.map((p: { pid: number }) => p.pid),
    [process.pid],
  );
  assert.deepEqual(plan.forecast.services, [UNIT]);
  assert.deepEqual(
    job.outcome.processes.map((p: { pid: number }) => p.pid),
    [process.pid],
  );
  assert.deepEqual(job.outcome.services, [UNIT]);
  assert.equal(job.forecast_matched, true);
  assert.match(await readFile(`/proc/${process.pid}/maps`, 'utf8'), /libfixture\.so\.1 \(deleted\)/);
});
