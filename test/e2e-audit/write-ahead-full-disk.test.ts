import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type AuditAgent, startAuditAgent } from './support.js';

// The file sink is the only sink (`audit.sinks: [file]`) and its directory is on a 64 KiB tmpfs.
// Once that file system is full, no sink can take a job's intent record: the request must be
// refused with 503 AUDIT_UNAVAILABLE and the package manager must never start.

let base: string;
let mountPoint: string;
let agent: AuditAgent | undefined;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'lpa-e2e-full-'));
  mountPoint = join(base, 'small');
  await mkdir(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint]);
  agent = await startAuditAgent({ sinks: ['file'], logDir: join(mountPoint, 'log') });
});

after(async () => {
  await agent?.dispose();
  execFileSync('umount', [mountPoint]);
  await rm(base, { recursive: true, force: true });
});

async function fill(path: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (;;) await handle.write(Buffer.alloc(4096, 0x61));
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    await handle.close();
  }
}

// An intent record larger than a page, so it cannot slip into the room left in audit.log's last page.
const packages = Array.from({ length: 24 }, (_, i) => ({ name: `pkg-${i}-${'a'.repeat(200)}` }));

it('a mutating request whose intent record cannot be written is refused with 503 and runs nothing', async () => {
  const running = agent!;
  await running.waitForRecord('agent_start');
  const filler = join(mountPoint, 'filler');
  await fill(filler);

  const refused = await running.request('POST', '/packages', { packages });
  assert.equal(refused.status, 503, refused.text);
  assert.equal(refused.json.success, false);
  assert.equal(refused.json.error.code, 'AUDIT_UNAVAILABLE');
  assert.match(String(refused.headers['retry-after']), /^[1-9]\d*$/, 'a 503 says when to retry');
  assert.deepEqual(await running.fakePm.events(), [], 'the package manager never ran');
  const jobs = await running.request('GET', '/jobs');
  assert.equal(jobs.json.data.total, 0, 'no job was created');
  assert.ok(!(await running.auditRecords()).some((r) => r.event === 'job_intent'));

  // With room again, the same request is accepted and its intent is on record before it runs.
  await unlink(filler);
  const accepted = await running.request('POST', '/packages', { packages: [{ name: 'extra' }] });
  assert.equal(accepted.status, 202, accepted.text);
  const job = await running.waitForJob(accepted.json.data.id);
  assert.equal(job.status, 'completed');
  await running.waitForRecord('job_intent', (r) => r.job_id === job.id);
});
