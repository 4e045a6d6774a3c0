import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { tapJobLog } from '../../src/jobs/log-tap.js';
import { createMemoryLogger } from '../../src/testing/memory-logger.js';
import { createHarness, type Harness } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});

test('a job logs one start line and one finish line: completed at info, failed at error with its code', async () => {
  const h = await createHarness({ db: { installed: {}, repo: { a: ['1.0'], b: ['1.0'] }, behaviour: { fetchFailures: 1 } } });
  harnesses.push(h);
  const logger = createMemoryLogger();
  tapJobLog(h.hooks, logger);

  const client = (cn: string) => ({ cn, serial: '0A', fingerprint256: 'AB:CD' });
  const failing = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'a' }] }, client('ops-alice'));
  await h.jobs.idle();
  const working = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'b' }] }, client('ops-bob'));
  await h.jobs.idle();
  assert.equal(h.jobs.get(failing.id)?.status, 'failed');
  assert.equal(h.jobs.get(working.id)?.status, 'completed');

  const lines = (id: string) =>
    logger.entries.filter((entry) => entry.fields['job_id'] === id).map((entry) => `${entry.level} ${entry.message}`);
  assert.deepEqual(lines(failing.id), ['info job started', 'error job failed']);
  assert.deepEqual(lines(working.id), ['info job started', 'info job completed']);
  const failed = logger.entries.find((entry) => entry.message === 'job failed')!;
  assert.equal(failed.fields['error_code'], 'BACKEND_ERROR');
  assert.equal(failed.fields['client_cn'], 'ops-alice');
  assert.equal(failed.fields['type'], 'package_install');
  const completed = logger.entries.find((entry) => entry.message === 'job completed')!;
  assert.equal(completed.fields['changes'], 1);
  assert.equal(typeof completed.fields['duration_ms'], 'number');
});
