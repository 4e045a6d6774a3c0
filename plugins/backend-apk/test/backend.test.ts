/**
 * The apk backend's command lines and its handling of what apk answered, on real apk-tools 2.14.10
 * runs replayed by argv and database state (see transcripts.ts and fixtures/transcripts.json).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLpaError, type LpaErrorCode } from '@linux-patch-api/core';
import { createOperationContext, RecordingRunner } from '@linux-patch-api/core/testing';
import { type ApkRoot, ApkTranscriptRunner, createApkBackend, createApkRoot } from './transcripts.js';

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

const READ = (root: ApkRoot) => [root.apk, '--root', root.root, '--no-progress'];
const MUTATION = (root: ApkRoot) => [...READ(root), '--wait', '5', '--progress-fd', '3'];
const HELLO = 'lpa-fixture-hello';
const DEP = 'lpa-fixture-dep';

async function withRoot(
  state: string,
  world: string | undefined,
  ids: readonly string[],
  body: (root: ApkRoot, runner: ApkTranscriptRunner, backend: Awaited<ReturnType<typeof createApkBackend>>) => Promise<void>,
): Promise<void> {
  const root = await createApkRoot(state, world);
  try {
    const runner = await ApkTranscriptRunner.create(root, ids);
    await body(root, runner, await createApkBackend(root, runner));
  } finally {
    await root.dispose();
  }
}

const versionOf = async (backend: Awaited<ReturnType<typeof createApkBackend>>, name: string) =>
  (await backend.listInstalled()).find((pkg) => pkg.name === name)?.version ?? null;

describe('apk backend on real apk-tools 2.14.10 runs', () => {
  it('runs the apk it was given (backend.apk_path) and reports it in info()', async () => {
    await withRoot('installed-hello-1.0', undefined, ['list-upgradable'], async (root, runner, backend) => {
      assert.deepEqual(backend.info(), { packageManager: 'apk', root: root.root, executable: root.apk });
      await backend.listUpgrades();
      assert.deepEqual(runner.argvs, [[...READ(root), 'list', '--upgradable']]);
    });
  });

  it('lists the installed set from ROOT/lib/apk/db/installed without running apk', async () => {
    await withRoot('installed-hello-1.1-dep', undefined, [], async (_root, runner, backend) => {
      assert.deepEqual(
        (await backend.listInstalled()).map((pkg) => [pkg.name, pkg.version]),
        [
          [DEP, '1.0-r0'],
          [HELLO, '1.1-r0'],
        ],
      );
      assert.deepEqual(runner.argvs, []);
    });
  });

  it('keeps one row per package, the highest of the versions apk lists', async () => {
    await withRoot('installed-hello-1.0', `${HELLO}\n`, ['list-upgradable-two'], async (_root, _runner, backend) => {
      const upgrades = await backend.listUpgrades();
      assert.deepEqual(
        upgrades.map((upgrade) => [upgrade.name, upgrade.current_version, upgrade.available_version, upgrade.held_back]),
        [[HELLO, '1.0-r0', '1.2-r0', null]],
      );
      assert.equal((await backend.getPackage(HELLO))?.available_version, '1.2-r0');
    });
  });

  it('lists an update a world pin forbids as held back (pinned), and apk upgrade leaves it alone', async () => {
    await withRoot(
      'installed-hello-1.0',
      `${HELLO}=1.0-r0\n`,
      ['list-upgradable', 'simulate-upgrade-pinned', 'upgrade-pinned'],
      async (root, runner, backend) => {
        const [upgrade] = await backend.listUpgrades();
        assert.equal(upgrade?.available_version, '1.1-r0');
        assert.deepEqual(upgrade?.held_back, { reason: 'pinned', detail: `${HELLO}=1.0-r0 in /etc/apk/world` });
        assert.deepEqual(await backend.planUpgrades({ names: null, securityOnly: false }), []);
        await backend.applyUpgrades({ names: null, securityOnly: false }, createOperationContext());
        assert.equal(await versionOf(backend, HELLO), '1.0-r0');
        assert.equal(await root.readWorld(), `${HELLO}=1.0-r0\n`, 'the pin stays');
        assert.deepEqual(runner.argvs.slice(1), [
          [...READ(root), '--simulate', 'upgrade'],
          [...MUTATION(root), 'upgrade'],
        ]);
      },
    );
  });

  it('applying a named pinned package releases the pin with add --upgrade (and pulls in its new dependency)', async () => {
    await withRoot('installed-hello-1.0', `${HELLO}=1.0-r0\n`, ['add-upgrade'], async (root, runner, backend) => {
      const ctx = createOperationContext();
      await backend.applyUpgrades({ names: [HELLO], securityOnly: false }, ctx);
      assert.deepEqual(runner.argvs, [[...MUTATION(root), 'add', '--upgrade', '--', HELLO]]);
      assert.equal(await versionOf(backend, HELLO), '1.1-r0');
      assert.equal(await versionOf(backend, DEP), '1.0-r0');
      assert.equal(await root.readWorld(), `${HELLO}\n`);
      assert.equal(ctx.progress.at(-1), 100);
    });
  });

  it('applies a named unpinned package with apk upgrade -- NAME', async () => {
    await withRoot('installed-hello-1.0-dep', `${DEP}\n${HELLO}\n`, ['upgrade-named'], async (root, runner, backend) => {
      await backend.applyUpgrades({ names: [HELLO], securityOnly: false }, createOperationContext());
      assert.deepEqual(runner.argvs, [[...MUTATION(root), 'upgrade', '--', HELLO]]);
      assert.equal(await versionOf(backend, HELLO), '1.1-r0');
    });
  });

  it('installs pinned with NAME=VERSION and reports progress from the progress fd and the (n/m) lines', async () => {
    await withRoot('installed-empty', undefined, ['add-pinned'], async (root, runner, backend) => {
      const ctx = createOperationContext();
      const { output } = await backend.install([{ name: HELLO, version: '1.0-r0' }], ctx);
      assert.deepEqual(runner.argvs, [[...MUTATION(root), 'add', '--', `${HELLO}=1.0-r0`]]);
      assert.match(output, /\(1\/1\) Installing lpa-fixture-hello \(1\.0-r0\)/);
      assert.ok(ctx.log.includes('OK: 0 MiB in 1 packages'));
      assert.equal(ctx.progress.at(-1), 100);
      assert.deepEqual(
        ctx.progress,
        [...ctx.progress].sort((a, b) => a - b),
        'progress never moves back',
      );
      assert.equal(await versionOf(backend, HELLO), '1.0-r0');
    });
  });

  it('downgrades with add NAME=OLD, which also purges the dependency only the new version needed', async () => {
    await withRoot('installed-hello-1.1-dep', `${HELLO}\n`, ['downgrade'], async (root, runner, backend) => {
      await backend.update(HELLO, '1.0-r0', createOperationContext());
      assert.deepEqual(runner.argvs, [[...MUTATION(root), 'add', '--', `${HELLO}=1.0-r0`]]);
      assert.deepEqual(
        (await backend.listInstalled()).map((pkg) => pkg.name),
        [HELLO],
      );
    });
  });

  it('rolls back an upgrade that pulled in a dependency: downgrade first, then delete only what is left', async () => {
    await withRoot('installed-hello-1.1-dep', `${HELLO}\n`, ['downgrade'], async (root, runner, backend) => {
      assert.ok(backend.rollback, 'the apk backend runs rollbacks in its own order');
      const ctx = createOperationContext();
      await backend.rollback({ remove: [DEP], install: [{ name: HELLO, version: '1.0-r0' }] }, ctx);
      assert.deepEqual(runner.argvs, [[...MUTATION(root), 'add', '--', `${HELLO}=1.0-r0`]], 'no del: apk purged it');
      assert.deepEqual(
        (await backend.listInstalled()).map((pkg) => [pkg.name, pkg.version]),
        [[HELLO, '1.0-r0']],
      );
      assert.equal(ctx.progress.at(-1), 100);
    });
  });

  it('a del apk refuses (others depend on it) fails and leaves world as it was', async () => {
    const world = `${DEP}\n${HELLO}\n`;
    await withRoot('installed-hello-1.1-dep', world, ['del-kept'], async (root, runner, backend) => {
      const error = await rejectsWith(backend.remove([DEP], createOperationContext()), 'LPA_ERR_BACKEND');
      assert.match(error.message, /apk kept lpa-fixture-dep/);
      assert.deepEqual(runner.argvs, [[...MUTATION(root), 'del', '--', DEP]]);
      assert.equal(await root.readWorld(), world, 'world is written back');
      assert.equal(await versionOf(backend, DEP), '1.0-r0');
    });
  });

  it('removes with del -- NAME (purging what nothing needs), progress from the progress fd', async () => {
    await withRoot('installed-hello-1.1-dep', `${HELLO}\n`, ['simulate-del', 'del'], async (root, runner, backend) => {
      assert.deepEqual(await backend.planRemove([HELLO]), [
        { name: HELLO, action: 'removed', from_version: '1.1-r0', to_version: null },
        { name: DEP, action: 'removed', from_version: '1.0-r0', to_version: null },
      ]);
      const progress: { percent: number; message: string | undefined }[] = [];
      const ctx = createOperationContext();
      const recorded = { ...ctx, onProgress: (percent: number, message?: string) => progress.push({ percent, message }) };
      await backend.remove([HELLO], recorded);
      assert.deepEqual(runner.argvs.at(-1), [...MUTATION(root), 'del', '--', HELLO]);
      assert.deepEqual(await backend.listInstalled(), []);
      assert.equal(await root.readWorld(), '');
      // apk del writes 0/2 1/2 2/2 on the progress fd; the backend reads it (a step without a message).
      assert.ok(
        progress.some((step) => step.message === undefined && step.percent > 0 && step.percent < 99),
        JSON.stringify(progress),
      );
    });
  });

  it('refreshes with --force-refresh update (a plain update skips an index younger than 4 h)', async () => {
    await withRoot('installed-empty', undefined, ['force-refresh', 'update'], async (root, runner, backend) => {
      const { output } = await backend.refreshCache(createOperationContext());
      assert.deepEqual(runner.argvs, [[...MUTATION(root), '--force-refresh', 'update']]);
      assert.match(output, /^fetch http:\/\/127\.0\.0\.1:51801\/x86_64\/APKINDEX\.tar\.gz$/m);
    });
  });

  it('maps failures: unknown package is BACKEND, an unavailable pinned version VERSION_UNAVAILABLE; 404 and unreachable repository are FETCH', async () => {
    await withRoot(
      'installed-hello-1.0',
      `${HELLO}\n`,
      ['add-unknown', 'add-unavailable-version', 'force-refresh-unreachable', 'upgrade-404'],
      async (_root, _runner, backend) => {
        const unknown = await rejectsWith(
          backend.install([{ name: 'lpa-no-such-package' }], createOperationContext()),
          'LPA_ERR_BACKEND',
        );
        assert.match(unknown.message, /no such package/);
        const version = await rejectsWith(
          backend.install([{ name: HELLO, version: '9.9-r0' }], createOperationContext()),
          'LPA_ERR_VERSION_UNAVAILABLE',
        );
        assert.deepEqual(version.details?.missing, [{ name: HELLO, version: '9.9-r0' }]);
        assert.match(String(version.details?.output), /breaks: world\[lpa-fixture-hello=9\.9-r0\]/);
        const refresh = await rejectsWith(backend.refreshCache(createOperationContext()), 'LPA_ERR_FETCH');
        assert.match(refresh.message, /could not connect to server.*2 unavailable/);
        const notFound = await rejectsWith(
          backend.applyUpgrades({ names: null, securityOnly: false }, createOperationContext()),
          'LPA_ERR_FETCH',
        );
        assert.match(notFound.message, /package mentioned in index not found/);
      },
    );
  });

  it('a held database lock: apk says it waits (stdout), gives up with exit 99, LOCKED names the holder', async () => {
    const root = await createApkRoot('installed-empty');
    // A real flock(2) holder on ROOT/lib/apk/db/lock, the lock apk itself takes.
    const lockPath = join(root.root, 'lib/apk/db/lock');
    await writeFile(lockPath, '');
    const holder = spawn('/usr/bin/flock', ['--exclusive', lockPath, '/bin/sleep', '60'], { stdio: 'ignore' });
    try {
      const backend = await createApkBackend(root, await ApkTranscriptRunner.create(root, ['add-locked']));
      let found = await backend.findLockHolder();
      for (let i = 0; i < 100 && found === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        found = await backend.findLockHolder();
      }
      assert.deepEqual(found, { path: lockPath, pid: holder.pid });
      const messages: (string | undefined)[] = [];
      const ctx = createOperationContext();
      const error = await rejectsWith(
        backend.install([{ name: HELLO }], { ...ctx, onProgress: (_percent, message) => messages.push(message) }),
        'LPA_ERR_LOCKED',
      );
      assert.equal(error.details?.pid, holder.pid);
      assert.match(error.message, new RegExp(`held by pid ${holder.pid}`));
      assert.ok(messages.includes('waiting for the apk database lock'), JSON.stringify(messages));
      assert.ok((await readFile(lockPath, 'utf8')) === '', 'the lock file is left alone');
    } finally {
      holder.kill('SIGKILL');
      await root.dispose();
    }
  });

  it('refuses hostile names and versions before any process starts', async () => {
    const root = await createApkRoot('installed-hello-1.0');
    try {
      const recorder = new RecordingRunner();
      const backend = await createApkBackend(root, recorder);
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
        () => backend.applyUpgrades({ names: null, securityOnly: true }, ctx),
      ];
      for (const attempt of attempts) await rejectsWith(Promise.resolve().then(attempt), 'LPA_ERR_VALIDATION');
      assert.deepEqual(recorder.argvs, [], 'no process was started');
    } finally {
      await root.dispose();
    }
  });

  it('takes the last change from when apk last rewrote ROOT/lib/apk/db/installed', async () => {
    const apkRoot = await createApkRoot('installed-empty');
    try {
      const backend = await createApkBackend(apkRoot, await ApkTranscriptRunner.create(apkRoot, ['add-pinned']));
      const database = apkRoot.installedPath;
      const earlier = new Date('2026-11-02T03:04:05Z');
      await utimes(database, earlier, earlier);
      assert.equal((await backend.lastUpdateTime?.())?.getTime(), earlier.getTime());
      // An add rewrites the database, as apk does on every commit.
      await backend.install([{ name: HELLO, version: '1.0-r0' }], createOperationContext());
      const after = await backend.lastUpdateTime?.();
      assert.ok(after instanceof Date && after.getTime() > earlier.getTime(), String(after));
      await rm(database);
      assert.equal(await backend.lastUpdateTime?.(), null, 'no database: no recorded change');
    } finally {
      await apkRoot.dispose();
    }
  });

  it('repairs with apk fix and reads the index age from ROOT/var/cache/apk', async () => {
    await withRoot('installed-empty', undefined, ['fix'], async (root, _runner, backend) => {
      assert.deepEqual(await backend.repair(createOperationContext()), {
        needed: false,
        consistent: true,
        output: 'OK: 0 MiB in 0 packages',
      });
      assert.equal(await backend.lastCacheUpdate(), null);
      await mkdir(join(root.root, 'var/cache/apk'), { recursive: true });
      await writeFile(join(root.root, 'var/cache/apk/APKINDEX.8bcbe19a.tar.gz'), '');
      const last = await backend.lastCacheUpdate();
      assert.ok(last instanceof Date && Math.abs(Date.now() - last.getTime()) < 600_000);
      assert.equal(await backend.rebootRequired(), false, 'a root other than / never needs a reboot of this host');
    });
  });

  it('adding a package already installed changes nothing', async () => {
    await withRoot('installed-hello-1.1-dep', `${HELLO}\n`, ['add-present'], async (_root, _runner, backend) => {
      const { output } = await backend.install([{ name: HELLO }], createOperationContext());
      assert.equal(output, 'OK: 0 MiB in 2 packages');
      assert.equal(await versionOf(backend, HELLO), '1.1-r0');
    });
  });
});
