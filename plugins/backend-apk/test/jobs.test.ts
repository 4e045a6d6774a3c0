/**
 * End to end through the core's job manager (queue, package-manager lock, mandatory refresh before
 * an apply with one refresh-and-retry on a fetch error, change measurement, rollback) over the apk
 * backend, with real apk-tools 2.14.10 runs replayed by the transcript runner.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Job, PackageManagerBackend } from '@linux-patch-api/core';
import { silentLogger } from '@linux-patch-api/core/testing';
import { MemoryAuditTrail } from '../../../core/src/audit/trail.js';
import { PackageCache } from '../../../core/src/cache/package-cache.js';
import { createHooks } from '../../../core/src/hooks.js';
import { type JobLimits, JobManager } from '../../../core/src/jobs/job-manager.js';
import type { JobRequest } from '../../../core/src/jobs/job-request.js';
import { MutationLock } from '../../../core/src/jobs/mutation-lock.js';
import { type ApkRoot, ApkTranscriptRunner, createApkBackend, createApkRoot } from './transcripts.js';

const HELLO = 'lpa-fixture-hello';
const DEP = 'lpa-fixture-dep';
const CLIENT = { cn: 'admin', serial: '01', fingerprint256: 'AA' };

interface Agent {
  root: ApkRoot;
  runner: ApkTranscriptRunner;
  backend: PackageManagerBackend;
  jobs: JobManager;
  run(request: JobRequest): Promise<Job>;
  installed(): Promise<string[]>;
  /** The apk subcommands run so far (after the global options). */
  commands(): string[];
  dispose(): Promise<void>;
}

async function agentOn(state: string, world: string | undefined, ids: readonly string[]): Promise<Agent> {
  const root = await createApkRoot(state, world);
  const runner = await ApkTranscriptRunner.create(root, ids);
  const backend = await createApkBackend(root, runner);
  const stateDir = await mkdtemp(join(tmpdir(), 'lpa-apk-jobs-'));
  const hooks = createHooks();
  const lock = new MutationLock();
  const limits: JobLimits = {
    max_concurrent: 5,
    timeout_seconds: 60,
    max_queued: 100,
    retention_seconds: 3600,
    lock_wait_seconds: 5,
  };
  const cache = new PackageCache({
    stateDir,
    backend: () => backend,
    lock,
    hooks,
    logger: silentLogger,
    lockWaitSeconds: () => limits.lock_wait_seconds,
  });
  const audit = new MemoryAuditTrail();
  const jobs = new JobManager({
    stateDir,
    backend: () => backend,
    cache,
    lock,
    hooks,
    audit: () => audit,
    logger: silentLogger,
    limits: () => limits,
  });
  await jobs.start();
  const finished = async (id: string): Promise<Job> => {
    await jobs.idle();
    const job = jobs.get(id);
    assert.ok(job, `job ${id}`);
    return job;
  };
  return {
    root,
    runner,
    backend,
    jobs,
    run: async (request) => finished((await jobs.submit(request, CLIENT)).id),
    installed: async () => (await backend.listInstalled()).map((pkg) => `${pkg.name}-${pkg.version}`),
    commands: () =>
      runner.argvs.map((argv) => {
        const at = argv.indexOf('3');
        return argv.slice(at === -1 ? 4 : at + 1).join(' ');
      }),
    async dispose() {
      await jobs.stop(5_000);
      await rm(stateDir, { recursive: true, force: true });
      await root.dispose();
    },
  };
}

const changes = (job: Job) => job.changes.map((change) => [change.name, change.action, change.from_version, change.to_version]);

describe('apk jobs through the job manager (real apk-tools 2.14.10 runs)', () => {
  it('installs a pinned version; world keeps the pin', async () => {
    const agent = await agentOn('installed-empty', undefined, ['add-pinned']);
    try {
      const job = await agent.run({ type: 'package_install', packages: [{ name: HELLO, version: '1.0-r0' }] });
      assert.equal(job.status, 'completed', JSON.stringify(job.error));
      assert.deepEqual(changes(job), [[HELLO, 'installed', null, '1.0-r0']]);
      assert.equal(await agent.root.readWorld(), `${HELLO}=1.0-r0\n`);
    } finally {
      await agent.dispose();
    }
  });

  const pinnedApply = (packages: { name: string; version: string }[]): JobRequest => ({
    type: 'patch_apply',
    packages,
    security_only: false,
    dry_run: false,
  });

  it('a pinned apply brings a package to exactly the version: up with its new dependency, then down purging it', async () => {
    const agent = await agentOn('installed-hello-1.0', `${HELLO}\n`, ['force-refresh', 'add-pinned-upgrade', 'downgrade']);
    try {
      const up = await agent.run(pinnedApply([{ name: HELLO, version: '1.1-r0' }]));
      assert.equal(up.status, 'completed', JSON.stringify(up.error));
      assert.deepEqual(changes(up), [
        [DEP, 'installed', null, '1.0-r0'],
        [HELLO, 'upgraded', '1.0-r0', '1.1-r0'],
      ]);
      assert.deepEqual(await agent.installed(), [`${DEP}-1.0-r0`, `${HELLO}-1.1-r0`]);
      assert.equal(await agent.root.readWorld(), `${HELLO}=1.1-r0\n`, 'apk keeps the pair as a pin in world');

      const down = await agent.run(pinnedApply([{ name: HELLO, version: '1.0-r0' }]));
      assert.equal(down.status, 'completed', JSON.stringify(down.error));
      assert.deepEqual(changes(down), [
        [DEP, 'removed', '1.0-r0', null],
        [HELLO, 'downgraded', '1.1-r0', '1.0-r0'],
      ]);
      assert.deepEqual(await agent.installed(), [`${HELLO}-1.0-r0`]);
      assert.equal(await agent.root.readWorld(), `${HELLO}=1.0-r0\n`);
      assert.deepEqual(agent.commands(), [
        '--force-refresh update',
        `add -- ${HELLO}=1.1-r0`,
        '--force-refresh update',
        `add -- ${HELLO}=1.0-r0`,
      ]);
    } finally {
      await agent.dispose();
    }
  });

  it('a pinned apply of a package that is not installed installs exactly that version', async () => {
    const agent = await agentOn('installed-empty', undefined, ['force-refresh', 'add-pinned']);
    try {
      const job = await agent.run(pinnedApply([{ name: HELLO, version: '1.0-r0' }]));
      assert.equal(job.status, 'completed', JSON.stringify(job.error));
      assert.deepEqual(changes(job), [[HELLO, 'installed', null, '1.0-r0']]);
      assert.deepEqual(agent.commands(), ['--force-refresh update', `add -- ${HELLO}=1.0-r0`]);
    } finally {
      await agent.dispose();
    }
  });

  it("an unavailable version: apk's solver refuses the add, the job fails VERSION_UNAVAILABLE naming the pair, nothing changed", async () => {
    const agent = await agentOn('installed-hello-1.1-dep', `${HELLO}\n`, ['force-refresh', 'add-unavailable-version']);
    try {
      const job = await agent.run(pinnedApply([{ name: HELLO, version: '9.9-r0' }]));
      assert.equal(job.status, 'failed');
      assert.equal(job.error?.code, 'VERSION_UNAVAILABLE');
      assert.deepEqual(job.error?.details?.missing, [{ name: HELLO, version: '9.9-r0' }]);
      assert.match(job.error?.message ?? '', /not available: lpa-fixture-hello 9\.9-r0; .*nothing was changed/);
      assert.deepEqual(changes(job), [], 'the changes are measured and there are none');
      assert.deepEqual(await agent.installed(), [`${DEP}-1.0-r0`, `${HELLO}-1.1-r0`]);
      assert.equal(await agent.root.readWorld(), `${HELLO}\n`);
      assert.deepEqual(agent.commands(), ['--force-refresh update', `add -- ${HELLO}=9.9-r0`]);
    } finally {
      await agent.dispose();
    }
  });

  it('an unknown name in a pinned apply is VERSION_UNAVAILABLE too', async () => {
    const agent = await agentOn('installed-hello-1.0', `${HELLO}\n`, ['force-refresh', 'add-unknown-pinned']);
    try {
      const job = await agent.run(pinnedApply([{ name: 'lpa-no-such-package', version: '1.0-r0' }]));
      assert.equal(job.status, 'failed');
      assert.equal(job.error?.code, 'VERSION_UNAVAILABLE');
      assert.deepEqual(job.error?.details?.missing, [{ name: 'lpa-no-such-package', version: '1.0-r0' }]);
      assert.deepEqual(changes(job), []);
      assert.deepEqual(await agent.installed(), [`${HELLO}-1.0-r0`]);
    } finally {
      await agent.dispose();
    }
  });

  it("a pinned apply of a name starting with '-' is refused before apk runs", async () => {
    const agent = await agentOn('installed-hello-1.0', undefined, []);
    try {
      for (const name of ['-U', '--allow-untrusted', `-${HELLO}`]) {
        await assert.rejects(
          agent.jobs.submit(pinnedApply([{ name, version: '1.0-r0' }]), CLIENT),
          (error: unknown) => (error as { code?: string }).code === 'LPA_ERR_VALIDATION',
          name,
        );
      }
      await assert.rejects(agent.backend.findUnavailableVersions?.([{ name: '-U', version: '1.0-r0' }]) ?? Promise.resolve(), {
        code: 'LPA_ERR_VALIDATION',
      });
      assert.deepEqual(agent.commands(), [], 'apk never ran');
      assert.deepEqual(await agent.installed(), [`${HELLO}-1.0-r0`]);
    } finally {
      await agent.dispose();
    }
  });

  it('with a pin: /patches says held back, and neither apply-all nor naming the package moves it; both jobs say why', async () => {
    const agent = await agentOn('installed-hello-1.0', `${HELLO}=1.0-r0\n`, [
      'list-upgradable',
      'force-refresh',
      'upgrade-pinned',
    ]);
    try {
      const pinned = { reason: 'pinned', detail: `${HELLO}=1.0-r0 in /etc/apk/world` };
      const [patch] = await agent.backend.listUpgrades();
      assert.deepEqual(patch?.held_back, pinned);

      const all = await agent.run({ type: 'patch_apply', packages: null, security_only: false, dry_run: false });
      assert.equal(all.status, 'completed', JSON.stringify(all.error));
      assert.deepEqual(changes(all), [], 'apk upgrade leaves a pinned package alone');
      assert.deepEqual(all.held_back, [{ name: HELLO, ...pinned }]);

      // Named, apk would release the pin (`add --upgrade`): the job keeps it back instead.
      const named = await agent.run({ type: 'patch_apply', packages: [HELLO], security_only: false, dry_run: false });
      assert.equal(named.status, 'completed', JSON.stringify(named.error));
      assert.deepEqual(changes(named), []);
      assert.deepEqual(named.held_back, [{ name: HELLO, ...pinned }]);
      assert.equal(await agent.root.readWorld(), `${HELLO}=1.0-r0\n`, 'the pin stays');
      assert.deepEqual(await agent.installed(), [`${HELLO}-1.0-r0`]);
      assert.ok(!agent.commands().some((command) => command.startsWith('add')), 'apk add never ran');
    } finally {
      await agent.dispose();
    }
  });

  it('an apply that meets a 404 refreshes (with --force-refresh) and retries once', async () => {
    const agent = await agentOn('installed-hello-1.0', `${HELLO}\n`, [
      'list-upgradable',
      'force-refresh',
      'upgrade-404',
      'upgrade-after-refresh',
    ]);
    try {
      const job = await agent.run({ type: 'patch_apply', packages: null, security_only: false, dry_run: false });
      assert.equal(job.status, 'completed', JSON.stringify(job.error));
      // What is held back is read once, when the job starts; the retry does not read it again.
      assert.deepEqual(agent.commands(), [
        '--force-refresh update',
        'list --upgradable',
        'upgrade',
        '--force-refresh update',
        'upgrade',
      ]);
      assert.ok(job.log.some((line) => line.includes('package mentioned in index not found')));
      assert.ok(job.log.includes('download failed; refreshing the package index and retrying once'));
      assert.deepEqual(changes(job), [
        [DEP, 'installed', null, '1.0-r0'],
        [HELLO, 'upgraded', '1.0-r0', '1.1-r0'],
      ]);
    } finally {
      await agent.dispose();
    }
  });

  it('a held database lock fails the job LOCKED naming the holder; once free, the same install goes through', async () => {
    const agent = await agentOn('installed-empty', undefined, ['add-locked', 'add-after-lock']);
    const lockPath = join(agent.root.root, 'lib/apk/db/lock');
    await writeFile(lockPath, '');
    const holder = spawn('/usr/bin/flock', ['--exclusive', lockPath, '/bin/sleep', '60'], { stdio: 'ignore' });
    try {
      while ((await agent.backend.findLockHolder()) === null) await new Promise((resolve) => setTimeout(resolve, 20));
      const locked = await agent.run({ type: 'package_install', packages: [{ name: HELLO }] });
      assert.equal(locked.status, 'failed');
      assert.equal(locked.error?.code, 'LOCKED');
      assert.equal(locked.error?.details?.pid, holder.pid);
      assert.ok(locked.log.includes('Waiting for repository lock'));
      holder.kill('SIGKILL');
      while ((await agent.backend.findLockHolder()) !== null) await new Promise((resolve) => setTimeout(resolve, 20));
      const done = await agent.run({ type: 'package_install', packages: [{ name: HELLO }] });
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      assert.deepEqual(changes(done), [
        [DEP, 'installed', null, '1.0-r0'],
        [HELLO, 'installed', null, '1.1-r0'],
      ]);
    } finally {
      holder.kill('SIGKILL');
      await agent.dispose();
    }
  });
});
