import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { mountSmallFileSystem } from '../../../test/support/full-disk.js';
import type { Job } from '../../src/contracts/job.js';
import { isLpaError } from '../../src/errors.js';
import { createHooks } from '../../src/hooks.js';
import { SelfUpgradeGuard } from '../../src/system/self-upgrade.js';
import { createMemoryLogger } from '../../src/testing/memory-logger.js';

function job(id: string): Job {
  return {
    id,
    type: 'patch_apply',
    status: 'running',
    progress: 0,
    progress_message: null,
    created_at: '2026-01-01T00:00:00Z',
    started_at: '2026-01-01T00:00:00Z',
    finished_at: null,
    request: {},
    client: 'test',
    changes: [],
    plan: [],
    plan_hash: null,
    log: [],
    error: null,
    rollback_of: null,
    rolled_back_by: null,
  };
}

describe('SelfUpgradeGuard', () => {
  let stateDir: string;
  let restarts: number;
  let events: string[];
  let guard: SelfUpgradeGuard;
  const markerIn = (dir: string) => join(dir, 'state', 'mutation-in-progress');
  const requestIn = (dir: string) => join(dir, 'state', 'restart-pending');
  /** What the package's maintainer script does when it sees the marker. */
  const packageAsksForRestart = () => writeFileSync(requestIn(stateDir), '');

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lpa-self-upgrade-'));
    restarts = 0;
    events = [];
    guard = new SelfUpgradeGuard({
      stateDir,
      logger: createMemoryLogger(),
      pid: 4242,
      onRestartDue: () => {
        restarts += 1;
        events.push(`restart (marker ${existsSync(markerIn(stateDir)) ? 'present' : 'gone'})`);
      },
    });
    await guard.start();
  });

  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  test('mutationStarting writes the marker (pid and job id, mode 0600)', async () => {
    await guard.mutationStarting('job-1');
    assert.equal(readFileSync(markerIn(stateDir), 'utf8'), '4242 job-1\n');
    assert.equal(statSync(markerIn(stateDir)).mode & 0o777, 0o600);
  });

  test('the finished update removes the marker; no restart when no package asked for one', async () => {
    await guard.mutationStarting('job-1');
    await guard.mutationFinished('job-1');
    assert.ok(!existsSync(markerIn(stateDir)));
    assert.equal(restarts, 0);
  });

  test('a restart request left during the job restarts the agent once, after the job finished', async () => {
    const hooks = createHooks();
    guard.attach(hooks);
    await guard.mutationStarting('job-1');
    packageAsksForRestart();
    assert.equal(restarts, 0, 'nothing restarts while the job runs');
    hooks.onJobUpdate.call({ ...job('job-1'), status: 'completed' }, 'finished');
    await guard.mutationFinished('job-1');
    assert.deepEqual(events, ['restart (marker gone)']);
    hooks.onJobUpdate.call({ ...job('job-1'), status: 'completed' }, 'finished');
    await guard.mutationFinished('job-1');
    assert.equal(restarts, 1, 'announced once');
  });

  test('with two mutating jobs the marker stays and the restart waits until the last one finished', async () => {
    await guard.mutationStarting('job-1');
    await guard.mutationStarting('job-2');
    packageAsksForRestart();
    await guard.mutationFinished('job-1');
    assert.ok(existsSync(markerIn(stateDir)), 'job-2 still runs');
    assert.equal(restarts, 0);
    await guard.mutationFinished('job-2');
    assert.ok(!existsSync(markerIn(stateDir)));
    assert.equal(restarts, 1);
  });

  test('the finished update of a job that never mutated (dry run, veto) changes nothing', async () => {
    const hooks = createHooks();
    guard.attach(hooks);
    packageAsksForRestart();
    hooks.onJobUpdate.call(job('vetoed'), 'finished');
    await guard.mutationFinished('vetoed');
    assert.ok(!existsSync(markerIn(stateDir)));
    assert.equal(restarts, 0);
  });

  test('start() clears a marker and a restart request left by the previous process', async () => {
    await mkdir(join(stateDir, 'state'), { recursive: true });
    writeFileSync(markerIn(stateDir), '1 old-job\n');
    packageAsksForRestart();
    await guard.start();
    assert.ok(!existsSync(markerIn(stateDir)));
    assert.ok(!existsSync(requestIn(stateDir)));
    assert.equal(restarts, 0);
  });
});

test('a marker the state directory cannot take (full disk) rejects STATE_UNAVAILABLE, so the job does not run', async () => {
  const base = mkdtempSync(join(tmpdir(), 'lpa-self-upgrade-full-'));
  const disk = await mountSmallFileSystem(join(base, 'state'));
  try {
    const guard = new SelfUpgradeGuard({ stateDir: disk.mountPoint, logger: createMemoryLogger(), onRestartDue: () => {} });
    await guard.start();
    await disk.fill();
    await assert.rejects(guard.mutationStarting('job-1'), (error: unknown) => {
      assert.ok(isLpaError(error, 'LPA_ERR_STATE_UNAVAILABLE'), String(error));
      assert.match(error.message, /self-upgrade marker/);
      return true;
    });
    assert.ok(!existsSync(join(disk.mountPoint, 'state', 'mutation-in-progress')));
    await disk.free();
    await guard.mutationStarting('job-2');
    assert.match(readFileSync(join(disk.mountPoint, 'state', 'mutation-in-progress'), 'utf8'), / job-2\n$/);
  } finally {
    disk.unmount();
    rmSync(base, { recursive: true, force: true });
  }
});
