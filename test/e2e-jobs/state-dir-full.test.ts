import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type AuditAgent, startAuditAgent } from '../e2e-audit/support.js';
import { mountSmallFileSystem, type SmallFileSystem } from '../support/full-disk.js';

// `paths.state_dir` is a 64 KiB tmpfs; the audit log is elsewhere, so the intent record can be
// written. Once the state directory is full, the job file cannot be written ahead: the request is
// refused like a failed intent and the package manager never starts.

let base: string;
let disk: SmallFileSystem;
let agent: AuditAgent | undefined;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'lpa-e2e-state-full-'));
  disk = await mountSmallFileSystem(join(base, 'state'));
  agent = await startAuditAgent({
    sinks: ['file'],
    logDir: join(base, 'log'),
    config: { paths: { state_dir: disk.mountPoint, log_dir: join(base, 'log') } },
  });
});

after(async () => {
  await agent?.dispose();
  disk?.unmount();
  await rm(base, { recursive: true, force: true });
});

it('with state_dir full a mutation is refused with 503 STATE_UNAVAILABLE and nothing runs', async () => {
  const running = agent!;
  await running.waitForRecord('agent_start');
  await disk.fill();

  const refused = await running.request('POST', '/packages', { packages: [{ name: 'extra' }] });
  assert.equal(refused.status, 503, refused.text);
  assert.equal(refused.json.success, false);
  assert.equal(refused.json.error.code, 'STATE_UNAVAILABLE');
  assert.match(refused.json.error.message, /job record/);
  assert.ok(Number(refused.headers['retry-after']) > 0, 'the client is told when to retry');
  assert.deepEqual(await running.fakePm.events(), [], 'the package manager never ran');
  assert.equal((await running.request('GET', '/jobs')).json.data.total, 0, 'no job was created');
  assert.ok(!(await running.auditRecords()).some((r) => r.event === 'job_intent'), 'no intent for a refused job');
  assert.deepEqual(
    (await readdir(join(disk.mountPoint, 'jobs'))).filter((name) => name !== '.'),
    [],
    'no job file or temporary file left behind',
  );

  // With room again the same request runs, and its job file was on disk before the package manager.
  await disk.free();
  const accepted = await running.request('POST', '/packages', { packages: [{ name: 'extra' }] });
  assert.equal(accepted.status, 202, accepted.text);
  const job = await running.waitForJob(accepted.json.data.id);
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
});
