import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLpaError, type LpaErrorCode, type PackageManagerBackend } from '@linux-patch-api/core';
import { createOperationContext, RecordingRunner } from '@linux-patch-api/core/testing';
import { apkBackendDefinition } from '../src/definition.js';
import { ApkTranscriptRunner, createApkRoot, silentLogger } from './transcripts.js';

async function backendWith(root: string, runner: ApkTranscriptRunner | RecordingRunner): Promise<PackageManagerBackend> {
  return apkBackendDefinition.create({ root, runner, logger: silentLogger, stateDir: root });
}

async function rejectsWith(
  promise: Promise<unknown>,
  code: LpaErrorCode,
): Promise<Error & { details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isLpaError(error, code), `expected ${code}, got ${String((error as { code?: string }).code)}: ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

const MUTATION_PREFIX = (root: string) => ['/sbin/apk', '--root', root, '--no-progress', '--wait', '5', '--progress-fd', '3'];

describe('apk backend on recorded apk-tools 2.14 transcripts', () => {
  it('lists the installed set from ROOT/lib/apk/db/installed without running apk', async () => {
    const { root, dispose } = await createApkRoot();
    try {
      const runner = await ApkTranscriptRunner.create(root, []);
      const backend = await backendWith(root, runner);
      const installed = await backend.listInstalled();
      assert.equal(installed.length, 15);
      assert.deepEqual(
        installed.find((pkg) => pkg.name === 'busybox'),
        {
          name: 'busybox',
          version: '1.36.1-r15',
          architecture: 'x86_64',
          status: 'installed',
          description: 'Size optimized toolbox of many common UNIX utilities',
          installed_size: 946176,
        },
      );
      assert.deepEqual(runner.argvs, []);
      assert.deepEqual(backend.info(), { packageManager: 'apk', root });
    } finally {
      await dispose();
    }
  });

  it('lists upgrades with apk list --upgradable; security is null (no advisory data in APKINDEX)', async () => {
    const { root, dispose } = await createApkRoot();
    try {
      const runner = await ApkTranscriptRunner.create(root, ['list-upgradable']);
      const backend = await backendWith(root, runner);
      const upgrades = await backend.listUpgrades();
      assert.deepEqual(runner.argvs, [['/sbin/apk', '--root', root, '--no-progress', 'list', '--upgradable']]);
      assert.deepEqual(
        upgrades.map((upgrade) => [upgrade.name, upgrade.current_version, upgrade.available_version]),
        [
          ['busybox', '1.36.1-r15', '1.36.1-r19'],
          ['busybox-binsh', '1.36.1-r15', '1.36.1-r19'],
          ['libcrypto3', '3.1.4-r1', '3.1.4-r5'],
          ['libssl3', '3.1.4-r1', '3.1.4-r5'],
          ['ssl_client', '1.36.1-r15', '1.36.1-r19'],
        ],
      );
      assert.ok(upgrades.every((upgrade) => upgrade.security === null && upgrade.architecture === 'x86_64'));
      const details = await backend.getPackage('libssl3');
      assert.equal(details?.upgradable, true);
      assert.equal(details?.available_version, '3.1.4-r5');
    } finally {
      await dispose();
    }
  });

  it('installs with apk add -- NAME under --root, --wait and --progress-fd, reporting progress', async () => {
    const { root, dispose } = await createApkRoot();
    try {
      const runner = await ApkTranscriptRunner.create(root, ['add-curl']);
      const backend = await backendWith(root, runner);
      const ctx = createOperationContext();
      const { output } = await backend.install([{ name: 'curl' }], ctx);
      assert.deepEqual(runner.argvs, [[...MUTATION_PREFIX(root), 'add', '--', 'curl']]);
      assert.match(output, /\(8\/8\) Installing curl \(8\.5\.0-r0\)/);
      assert.ok(ctx.log.includes('OK: 12 MiB in 23 packages'));
      assert.equal(ctx.progress.at(-1), 100);
      assert.ok(
        ctx.progress.some((percent) => percent > 0 && percent < 100),
        'intermediate progress from the fd or the (n/m) lines',
      );
      assert.deepEqual(
        ctx.progress,
        [...ctx.progress].sort((a, b) => a - b),
        'progress never moves back',
      );
      assert.equal((await backend.listInstalled()).length, 23, 'the installed set is re-read after apk changed it');
    } finally {
      await dispose();
    }
  });

  it('pins a version with NAME=VERSION (rollback) and updates unpinned with add --upgrade', async () => {
    const { root, dispose } = await createApkRoot('installed-upgraded');
    try {
      const runner = await ApkTranscriptRunner.create(root, ['add-busybox-pinned', 'update-busybox']);
      const backend = await backendWith(root, runner);
      await backend.update('busybox', '1.36.1-r15', createOperationContext());
      const afterPin = await backend.listInstalled();
      assert.equal(afterPin.find((pkg) => pkg.name === 'busybox')?.version, '1.36.1-r15');
      await backend.update('busybox', undefined, createOperationContext());
      assert.deepEqual(runner.argvs, [
        [...MUTATION_PREFIX(root), 'add', '--', 'busybox=1.36.1-r15'],
        [...MUTATION_PREFIX(root), 'add', '--upgrade', '--', 'busybox'],
      ]);
      assert.equal((await backend.listInstalled()).find((pkg) => pkg.name === 'busybox')?.version, '1.36.1-r19');
    } finally {
      await dispose();
    }
  });

  it('plans with --simulate and applies with apk upgrade (all, or the named packages)', async () => {
    const { root, dispose } = await createApkRoot();
    try {
      const runner = await ApkTranscriptRunner.create(root, ['simulate-upgrade', 'simulate-upgrade-libssl3', 'upgrade']);
      const backend = await backendWith(root, runner);
      const plan = await backend.planUpgrades({ names: null, securityOnly: false });
      assert.equal(plan.length, 5);
      assert.deepEqual(plan[0], { name: 'busybox', action: 'upgraded', from_version: '1.36.1-r15', to_version: '1.36.1-r19' });
      const partial = await backend.planUpgrades({ names: ['libssl3'], securityOnly: false });
      assert.deepEqual(
        partial.map((change) => change.name),
        ['libcrypto3', 'libssl3'],
      );
      await backend.applyUpgrades({ names: null, securityOnly: false }, createOperationContext());
      assert.deepEqual(runner.argvs, [
        ['/sbin/apk', '--root', root, '--no-progress', '--simulate', 'upgrade'],
        ['/sbin/apk', '--root', root, '--no-progress', '--simulate', 'upgrade', '--', 'libssl3'],
        [...MUTATION_PREFIX(root), 'upgrade'],
      ]);
      assert.equal((await backend.listInstalled()).find((pkg) => pkg.name === 'libssl3')?.version, '3.1.4-r5');
      await rejectsWith(
        backend.applyUpgrades({ names: null, securityOnly: true }, createOperationContext()),
        'LPA_ERR_VALIDATION',
      );
      assert.equal(runner.argvs.length, 3, 'security_only is refused before apk runs');
    } finally {
      await dispose();
    }
  });

  it('removes with apk del --, and reports a package apk kept because others need it', async () => {
    const { root, dispose } = await createApkRoot('installed-with-tree');
    try {
      const runner = await ApkTranscriptRunner.create(root, ['del-tree', 'del-libssl3-kept']);
      const backend = await backendWith(root, runner);
      await backend.remove(['tree'], createOperationContext());
      assert.equal(
        (await backend.listInstalled()).some((pkg) => pkg.name === 'tree'),
        false,
      );
      const kept = await rejectsWith(backend.remove(['libssl3'], createOperationContext()), 'LPA_ERR_BACKEND');
      assert.match(kept.message, /apk kept libssl3/);
      await rejectsWith(backend.remove(['tree'], createOperationContext()), 'LPA_ERR_NOT_FOUND');
      assert.deepEqual(runner.argvs, [
        [...MUTATION_PREFIX(root), 'del', '--', 'tree'],
        [...MUTATION_PREFIX(root), 'del', '--', 'libssl3'],
      ]);
    } finally {
      await dispose();
    }
  });

  it('maps failures: unknown package and unavailable version are BACKEND, unreachable mirrors and 404s are FETCH', async () => {
    const { root, dispose } = await createApkRoot();
    try {
      const runner = await ApkTranscriptRunner.create(root, [
        'add-unknown',
        'add-unavailable-version',
        'update-unreachable',
        'upgrade-404',
      ]);
      const backend = await backendWith(root, runner);
      const unknown = await rejectsWith(
        backend.install([{ name: 'lpa-no-such-package' }], createOperationContext()),
        'LPA_ERR_BACKEND',
      );
      assert.match(unknown.message, /no such package/);
      const version = await rejectsWith(
        backend.install([{ name: 'tree', version: '2.0.4-r1' }], createOperationContext()),
        'LPA_ERR_BACKEND',
      );
      assert.match(version.message, /breaks: world\[tree=2\.0\.4-r1\]/);
      const refresh = await rejectsWith(backend.refreshCache(createOperationContext()), 'LPA_ERR_FETCH');
      assert.match(refresh.message, /temporary error/);
      await rejectsWith(backend.applyUpgrades({ names: null, securityOnly: false }, createOperationContext()), 'LPA_ERR_FETCH');
      assert.equal(
        (await backend.listInstalled()).find((pkg) => pkg.name === 'busybox')?.version,
        '1.36.1-r15',
        'nothing changed',
      );
    } finally {
      await dispose();
    }
  });

  it('a held database lock: apk waits (--wait), then LOCKED names the holder from /proc/locks', async () => {
    const { root, dispose } = await createApkRoot();
    // A real flock(2) holder on ROOT/lib/apk/db/lock, the lock apk itself takes.
    const lockPath = join(root, 'lib/apk/db/lock');
    await writeFile(lockPath, '');
    const holder = spawn('/usr/bin/flock', ['--exclusive', lockPath, '/bin/sleep', '60'], { stdio: 'ignore' });
    try {
      const backend = await backendWith(root, await ApkTranscriptRunner.create(root, ['lock-busy']));
      let found = await backend.findLockHolder();
      for (let i = 0; i < 100 && found === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        found = await backend.findLockHolder();
      }
      assert.deepEqual(found, { path: lockPath, pid: holder.pid });
      const error = await rejectsWith(backend.install([{ name: 'tree' }], createOperationContext()), 'LPA_ERR_LOCKED');
      assert.equal(error.details?.pid, holder.pid);
      assert.match(error.message, new RegExp(`held by pid ${holder.pid}`));
      assert.ok((await readFile(lockPath, 'utf8')) === '', 'the lock file is left alone');
    } finally {
      holder.kill('SIGKILL');
      await dispose();
    }
  });

  it('refuses hostile names and versions before any process starts', async () => {
    const { root, dispose } = await createApkRoot();
    try {
      const recorder = new RecordingRunner();
      const backend = await backendWith(root, recorder);
      const ctx = createOperationContext();
      const attempts: (() => Promise<unknown>)[] = [
        () => backend.install([{ name: '--allow-untrusted' }], ctx),
        () => backend.install([{ name: 'curl@edge' }], ctx),
        () => backend.install([{ name: 'curl', version: '8.5.0-r0 --force-broken-world' }], ctx),
        () => backend.install([{ name: 'curl>=8' }], ctx),
        () => backend.install([{ name: 'so:libcrypto.so.3' }], ctx),
        () => backend.install([{ name: 'x;reboot' }], ctx),
        () => backend.update('-X', undefined, ctx),
        () => backend.update('curl', '$(id)', ctx),
        () => backend.remove(['--purge'], ctx),
        () => backend.applyUpgrades({ names: ['-a'], securityOnly: false }, ctx),
        () => backend.planInstall([{ name: '../../etc' }]),
        () => backend.getPackage('Curl'),
      ];
      for (const attempt of attempts) await rejectsWith(Promise.resolve().then(attempt), 'LPA_ERR_VALIDATION');
      assert.deepEqual(recorder.argvs, [], 'no process was started');
    } finally {
      await dispose();
    }
  });

  it('takes the last change from when apk last rewrote ROOT/lib/apk/db/installed', async () => {
    const { root, dispose } = await createApkRoot();
    try {
      const backend = await backendWith(root, await ApkTranscriptRunner.create(root, ['add-curl']));
      const database = join(root, 'lib/apk/db/installed');
      const earlier = new Date('2026-11-02T03:04:05Z');
      await utimes(database, earlier, earlier);
      assert.equal((await backend.lastUpdateTime?.())?.getTime(), earlier.getTime());
      // An add rewrites the database, as apk does on every commit.
      await backend.install([{ name: 'curl' }], createOperationContext());
      const after = await backend.lastUpdateTime?.();
      assert.ok(after instanceof Date && after.getTime() > earlier.getTime(), String(after));
      await rm(database);
      assert.equal(await backend.lastUpdateTime?.(), null, 'no database: no recorded change');
    } finally {
      await dispose();
    }
  });

  it('repairs with apk fix and reads the index age from ROOT/var/cache/apk', async () => {
    const { root, dispose } = await createApkRoot();
    try {
      const backend = await backendWith(root, await ApkTranscriptRunner.create(root, ['fix-nothing']));
      assert.deepEqual(await backend.repair(createOperationContext()), {
        needed: false,
        consistent: true,
        output: 'OK: 8 MiB in 15 packages',
      });
      assert.equal(await backend.lastCacheUpdate(), null);
      await mkdir(join(root, 'var/cache/apk'), { recursive: true });
      await writeFile(join(root, 'var/cache/apk/APKINDEX.8bcbe19a.tar.gz'), '');
      const last = await backend.lastCacheUpdate();
      assert.ok(last instanceof Date && Math.abs(Date.now() - last.getTime()) < 600_000);
      assert.equal(await backend.rebootRequired(), false, 'a root other than / never needs a reboot of this host');
    } finally {
      await dispose();
    }
  });
});
