import assert from 'node:assert/strict';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLpaError, type PackageManagerBackend } from '@linux-patch-api/core';
import { createOperationContext, createProcessRunner, RecordingRunner, silentLogger } from '@linux-patch-api/core/testing';
import { fingerprintFile } from '../../../test/support/sandbox/common.js';
import { createPacmanSandbox, DEP, HELLO, type PacmanSandbox, packageFileName } from '../../../test/support/sandbox/pacman.js';
import { pacmanBackendDefinition } from '../src/definition.js';

const HOST_PACMAN_FILES = [
  '/var/lib/pacman/local/ALPM_DB_VERSION',
  '/var/lib/pacman/db.lck',
  '/var/log/pacman.log',
  '/etc/pacman.conf',
];

async function createBackend(sandbox: PacmanSandbox, runner = createProcessRunner()): Promise<PackageManagerBackend> {
  return pacmanBackendDefinition.create({ root: sandbox.root, runner, logger: silentLogger, stateDir: sandbox.dir });
}

async function rejectsWith(promise: Promise<unknown>, code: Parameters<typeof isLpaError>[1]): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      isLpaError(error, code),
      `expected ${code}, got ${error instanceof Error ? `${(error as { code?: string }).code}: ${error.message}` : String(error)}`,
    );
    return error;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

const hostBefore = new Map(HOST_PACMAN_FILES.map((path) => [path, fingerprintFile(path)]));

after(() => {
  for (const [path, fingerprint] of hostBefore) assert.equal(fingerprintFile(path), fingerprint, `host file ${path} changed`);
});

describe('pacman backend on real pacman: install, upgrades, apply, rollback from cache, remove', () => {
  let sandbox: PacmanSandbox;
  let backend: PackageManagerBackend;

  before(async () => {
    sandbox = await createPacmanSandbox({ stage: 1 });
    backend = await createBackend(sandbox);
  });
  after(() => sandbox.dispose());

  it('starts empty, with no lock and a cache timestamp from the sync', async () => {
    assert.deepEqual(await backend.listInstalled(), []);
    assert.equal(await backend.findLockHolder(), null);
    const last = await backend.lastCacheUpdate();
    assert.ok(last instanceof Date && Date.now() - last.getTime() < 600_000);
    assert.deepEqual(await backend.listUpgrades(), [], '-Qu exits 1 when nothing is upgradable; that is not an error');
  });

  it('plans and installs an unpinned package with -S, reporting progress; the set equals pacman -Q', async () => {
    assert.deepEqual(await backend.planInstall([{ name: HELLO }]), [
      { name: HELLO, action: 'installed', from_version: null, to_version: '1.0-1' },
    ]);
    const ctx = createOperationContext();
    const { output } = await backend.install([{ name: HELLO }], ctx);
    assert.match(output, /installing lpa-fixture-hello/);
    assert.ok(ctx.progress.includes(100), 'progress reaches 100');
    assert.ok(
      ctx.progress.some((percent) => percent > 50 && percent < 100),
      'the per-package line moved progress',
    );
    const installed = await backend.listInstalled();
    assert.deepEqual(
      installed.map((pkg) => [pkg.name, pkg.version]),
      [...(await sandbox.query())].sort(),
    );
    assert.deepEqual(installed[0], {
      name: HELLO,
      version: '1.0-1',
      architecture: 'any',
      status: 'installed',
      description: `linux-patch-api test fixture ${HELLO}`,
      installed_size: 6,
    });
    assert.ok(await exists(join(sandbox.cacheDir, packageFileName(HELLO, '1.0-1'))), 'the download stays in the root cache');
    assert.ok(await exists(join(sandbox.root, 'usr/share', HELLO, 'VERSION')), 'files land in the root');
  });

  it('lists the upgrade after stage 2 is published and the cache refreshed with -Syy', async () => {
    await sandbox.publish(2);
    const ctx = createOperationContext();
    await backend.refreshCache(ctx);
    const upgrades = await backend.listUpgrades();
    assert.deepEqual(upgrades, [
      {
        name: HELLO,
        current_version: '1.0-1',
        available_version: '1.1-1',
        architecture: 'any',
        security: null,
        severity: null,
        advisories: [],
        repository: null,
        held_back: null,
      },
    ]);
    const details = await backend.getPackage(HELLO);
    assert.equal(details?.upgradable, true);
    assert.equal(details?.available_version, '1.1-1');
  });

  it('refuses a partial upgrade and security_only, before running pacman', async () => {
    await rejectsWith(backend.applyUpgrades({ names: [], securityOnly: false }, createOperationContext()), 'LPA_ERR_VALIDATION');
    const partial = await rejectsWith(
      backend.applyUpgrades({ names: [DEP], securityOnly: false }, createOperationContext()),
      'LPA_ERR_VALIDATION',
    );
    assert.match(partial.message, /partial upgrades.*lpa-fixture-hello/);
    await rejectsWith(backend.planUpgrades({ names: null, securityOnly: true }), 'LPA_ERR_VALIDATION');
    assert.equal((await sandbox.query()).get(HELLO), '1.0-1', 'nothing changed');
    // Planning a package list is what updating those packages (-S) would do; only applying one is refused.
    assert.deepEqual(await backend.planUpgrades({ names: [HELLO], securityOnly: false }), [
      { name: DEP, action: 'installed', from_version: null, to_version: '1.0-1' },
      { name: HELLO, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' },
    ]);
  });

  it('plans and applies the full upgrade (-Su), pulling in the new dependency', async () => {
    assert.deepEqual(await backend.planUpgrades({ names: null, securityOnly: false }), [
      { name: DEP, action: 'installed', from_version: null, to_version: '1.0-1' },
      { name: HELLO, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' },
    ]);
    // Naming every upgradable package is the whole upgrade, so it is accepted.
    await backend.applyUpgrades({ names: [HELLO], securityOnly: false }, createOperationContext());
    assert.deepEqual(
      [...(await sandbox.query())],
      [
        [DEP, '1.0-1'],
        [HELLO, '1.1-1'],
      ],
    );
    assert.deepEqual(await backend.listUpgrades(), []);
  });

  it('rolls back (installs the old version) with -U from the package cache', async () => {
    assert.deepEqual(await backend.planInstall([{ name: HELLO, version: '1.0-1' }]), [
      { name: HELLO, action: 'downgraded', from_version: '1.1-1', to_version: '1.0-1' },
    ]);
    const ctx = createOperationContext();
    const { output } = await backend.update(HELLO, '1.0-1', ctx);
    assert.match(output, /downgrading lpa-fixture-hello/);
    assert.equal((await sandbox.query()).get(HELLO), '1.0-1');
    assert.equal(
      (await backend.listInstalled()).find((pkg) => pkg.name === HELLO)?.version,
      '1.0-1',
      'the db re-read saw the change',
    );
  });

  it('updates one package unpinned with -S --needed, and again as a no-op once up to date', async () => {
    await backend.update(HELLO, undefined, createOperationContext());
    assert.equal((await sandbox.query()).get(HELLO), '1.1-1');
    // Up to date: -S --needed does nothing and succeeds.
    const again = await backend.update(HELLO, undefined, createOperationContext());
    assert.match(again.output, /up to date|nothing to do/);
  });

  it('fails clearly when the wanted version is neither cached nor offered', async () => {
    const error = await rejectsWith(
      backend.install([{ name: HELLO, version: '0.9-1' }], createOperationContext()),
      'LPA_ERR_BACKEND',
    );
    assert.match(error.message, /0\.9-1 is not in the package cache .* the repositories offer only 1\.1-1/);
    await rm(join(sandbox.cacheDir, packageFileName(HELLO, '1.0-1')));
    const gone = await rejectsWith(backend.update(HELLO, '1.0-1', createOperationContext()), 'LPA_ERR_BACKEND');
    assert.match(gone.message, /pacman installs other versions only from a package file/);
    assert.equal((await sandbox.query()).get(HELLO), '1.1-1');
  });

  it('removes with -R --cascade: packages needing the target go too (planned first), orphans stay', async () => {
    assert.deepEqual(await backend.planRemove([HELLO]), [
      { name: HELLO, action: 'removed', from_version: '1.1-1', to_version: null },
    ]);
    await backend.remove([HELLO], createOperationContext());
    assert.deepEqual([...(await sandbox.query())], [[DEP, '1.0-1']], 'the orphaned dependency stays');
    assert.equal(await backend.getPackage(HELLO), null);
    await rejectsWith(backend.remove([HELLO], createOperationContext()), 'LPA_ERR_NOT_FOUND');
    await rejectsWith(backend.update(HELLO, undefined, createOperationContext()), 'LPA_ERR_NOT_FOUND');

    await backend.install([{ name: HELLO }], createOperationContext());
    assert.deepEqual(await backend.planRemove([DEP]), [
      { name: HELLO, action: 'removed', from_version: '1.1-1', to_version: null },
      { name: DEP, action: 'removed', from_version: '1.0-1', to_version: null },
    ]);
    await backend.remove([DEP], createOperationContext());
    assert.equal((await sandbox.query()).size, 0, 'plain -R would have refused: hello requires dep');
  });

  it('reports an unknown package as a backend error naming it', async () => {
    const error = await rejectsWith(
      backend.install([{ name: 'lpa-no-such-package' }], createOperationContext()),
      'LPA_ERR_BACKEND',
    );
    assert.match(error.message, /target not found: lpa-no-such-package/);
  });

  it('reads the root pacman.conf, not the host one: the log lands in the root', async () => {
    const log = await readFile(join(sandbox.root, 'var/log/pacman.log'), 'utf8');
    assert.match(log, /upgraded lpa-fixture-hello \(1\.0-1 -> 1\.1-1\)/);
    assert.match(log, /--root/);
  });
});

describe('pacman backend: fetch errors', () => {
  it('a dead repository makes refresh fail with LPA_ERR_FETCH; a missing package file fails install the same way', async () => {
    const sandbox = await createPacmanSandbox({ stage: 1 });
    try {
      const backend = await createBackend(sandbox);
      // The db still lists hello, but the package file is gone from the mirror.
      await rm(join(sandbox.repoDir, packageFileName(HELLO, '1.0-1')));
      const install = await rejectsWith(backend.install([{ name: HELLO }], createOperationContext()), 'LPA_ERR_FETCH');
      assert.ok(backend.isFetchError(String((install as { details?: { output?: string } }).details?.output)));
      await rm(sandbox.repoDir, { recursive: true });
      const refresh = await rejectsWith(backend.refreshCache(createOperationContext()), 'LPA_ERR_FETCH');
      assert.match(refresh.message, /failed retrieving file|failed to synchronize/);
    } finally {
      sandbox.dispose();
    }
  });
});

describe('pacman backend: db.lck', () => {
  it('waits (bounded) for a lock held by a running pacman, then names its pid', async () => {
    const sandbox = await createPacmanSandbox({ stage: 1 });
    try {
      const backend = await createBackend(sandbox);
      const holder = await sandbox.holdLockWithPacman();
      assert.deepEqual(await backend.findLockHolder(), { path: join(sandbox.dbPath, 'db.lck'), pid: holder.pid });
      const error = await rejectsWith(
        backend.install([{ name: HELLO }], createOperationContext({ lockWaitSeconds: 1 })),
        'LPA_ERR_LOCKED',
      );
      assert.equal((error as { details?: { pid?: number } }).details?.pid, holder.pid);
      assert.match(error.message, new RegExp(`held by pid ${holder.pid}`));
      assert.equal((await sandbox.query()).size, 0);

      // pacman killed by SIGTERM leaves its lock behind: now stale, reported, never removed.
      await holder.stop();
      assert.deepEqual(await backend.findLockHolder(), { path: join(sandbox.dbPath, 'db.lck'), pid: null });
      const stale = await rejectsWith(backend.refreshCache(createOperationContext({ lockWaitSeconds: 0 })), 'LPA_ERR_LOCKED');
      assert.match(stale.message, /held, pid unknown.*may be stale/);
      const repair = await backend.repair(createOperationContext());
      assert.equal(repair.consistent, false, 'a lock this agent did not leave is not repaired');
      assert.ok(await exists(join(sandbox.dbPath, 'db.lck')), 'the stale lock was left in place');

      // Once the admin removes it, the same backend proceeds.
      await rm(join(sandbox.dbPath, 'db.lck'));
      await backend.install([{ name: HELLO }], createOperationContext({ lockWaitSeconds: 1 }));
      assert.equal((await sandbox.query()).get(HELLO), '1.0-1');
    } finally {
      sandbox.dispose();
    }
  });

  it('proceeds when the lock goes away within the wait', async () => {
    const sandbox = await createPacmanSandbox({ stage: 1 });
    try {
      const backend = await createBackend(sandbox);
      const holder = await sandbox.holdLockWithPacman();
      const installing = backend.install([{ name: HELLO }], createOperationContext({ lockWaitSeconds: 60 }));
      await holder.stop();
      await rm(join(sandbox.dbPath, 'db.lck'));
      await installing;
      assert.equal((await sandbox.query()).get(HELLO), '1.0-1');
    } finally {
      sandbox.dispose();
    }
  });

  it('a pacman of ours stopped by the timeout leaves db.lck; repair removes that one and checks the db', async () => {
    const sandbox = await createPacmanSandbox({ stage: 1, install: [HELLO] });
    try {
      const backend = await createBackend(sandbox);
      const unblock = await sandbox.blockRepository();
      await rejectsWith(backend.refreshCache(createOperationContext({ timeoutMs: 4000 })), 'LPA_ERR_TIMEOUT');
      assert.ok(await exists(join(sandbox.dbPath, 'db.lck')), 'pacman left its lock behind');
      const repair = await backend.repair(createOperationContext());
      assert.equal(repair.needed, true);
      assert.equal(repair.consistent, true, repair.output);
      assert.equal(await exists(join(sandbox.dbPath, 'db.lck')), false);
      assert.match(repair.output, /No database errors/);
      await unblock();
      await backend.refreshCache(createOperationContext());
    } finally {
      sandbox.dispose();
    }
  });
});

describe('pacman backend: refused input starts no process', () => {
  it('hostile names and versions are VALIDATION errors with nothing run', async () => {
    const sandbox = await createPacmanSandbox({ stage: 1, sync: false });
    try {
      const recorder = new RecordingRunner(createProcessRunner());
      const backend = await createBackend(sandbox, recorder);
      const ctx = createOperationContext();
      const attempts: [string, () => Promise<unknown>][] = [
        ['install --config', () => backend.install([{ name: '--config=/etc/passwd' }], ctx)],
        ['install -Sdd', () => backend.install([{ name: '-dd' }], ctx)],
        ['install shell', () => backend.install([{ name: 'hello;touch /tmp/x' }], ctx)],
        ['install path', () => backend.install([{ name: '../../etc/passwd' }], ctx)],
        ['install upper-case', () => backend.install([{ name: 'Hello' }], ctx)],
        ['install version option', () => backend.install([{ name: HELLO, version: '--overwrite=*' }], ctx)],
        ['install version path', () => backend.install([{ name: HELLO, version: '1.0/../../x' }], ctx)],
        ['update', () => backend.update('-Rns', undefined, ctx)],
        ['remove', () => backend.remove(['--cascade'], ctx)],
        ['remove dot', () => backend.remove(['.hidden'], ctx)],
        ['apply', () => backend.applyUpgrades({ names: ['--ignore=x'], securityOnly: false }, ctx)],
        ['plan', () => backend.planRemove(['x y'])],
        ['getPackage', () => backend.getPackage('$(id)')],
      ];
      for (const [what, attempt] of attempts) {
        await rejectsWith(Promise.resolve().then(attempt), 'LPA_ERR_VALIDATION').catch((error: unknown) =>
          assert.fail(`${what}: ${String(error)}`),
        );
      }
      assert.deepEqual(recorder.argvs, [], 'no process was started');
    } finally {
      sandbox.dispose();
    }
  });

  it('every pacman call is confined to the root and puts -- before targets', async () => {
    const sandbox = await createPacmanSandbox({ stage: 1 });
    try {
      const recorder = new RecordingRunner(createProcessRunner());
      const backend = await createBackend(sandbox, recorder);
      await backend.install([{ name: HELLO }], createOperationContext());
      await backend.remove([HELLO], createOperationContext());
      for (const argv of recorder.argvs) {
        assert.equal(argv[0], '/usr/bin/pacman');
        for (const [flag, value] of [
          ['--config', sandbox.configFile],
          ['--root', sandbox.root],
          ['--dbpath', sandbox.dbPath],
          ['--cachedir', sandbox.cacheDir],
          ['--logfile', join(sandbox.root, 'var/log/pacman.log')],
          ['--gpgdir', join(sandbox.root, 'etc/pacman.d/gnupg')],
          ['--hookdir', join(sandbox.root, 'etc/pacman.d/hooks')],
        ]) {
          assert.equal(argv[argv.indexOf(flag as string) + 1], value, `${flag} in ${argv.join(' ')}`);
        }
        assert.ok(argv.includes('--noconfirm'));
      }
      const mutating = recorder.argvs.filter((argv) => argv.includes('-S') || argv.includes('-R'));
      assert.ok(mutating[1]?.includes('--cascade'));
      assert.equal(mutating.length, 2);
      for (const argv of mutating) assert.equal(argv[argv.length - 2], '--', argv.join(' '));
    } finally {
      sandbox.dispose();
    }
  });
});

describe('pacman backend: the upgrade list is reused until its inputs change', () => {
  it('runs -Qu again only after a sync, a package change or a pacman.conf change', async () => {
    const sandbox = await createPacmanSandbox({ stage: 1, install: [HELLO] });
    try {
      const recorder = new RecordingRunner(createProcessRunner());
      const backend = await createBackend(sandbox, recorder);
      const queries = () => recorder.argvs.filter((argv) => argv.includes('-Qu')).length;
      assert.deepEqual(await backend.listUpgrades(), []);
      assert.deepEqual(await backend.listUpgrades(), []);
      assert.equal(queries(), 1, 'nothing changed: no second -Qu');

      await sandbox.publish(2);
      await sandbox.pacman(['-Syy']);
      assert.deepEqual(
        (await backend.listUpgrades()).map((upgrade) => upgrade.name),
        [HELLO],
      );
      assert.equal(queries(), 2, 'the sync db changed');

      await sandbox.pacman(['-Su']);
      assert.deepEqual(await backend.listUpgrades(), []);
      assert.equal(queries(), 3, 'the local db changed');

      const conf = await readFile(sandbox.configFile, 'utf8');
      await writeFile(sandbox.configFile, conf.replace('[options]', `[options]\nIgnorePkg = ${HELLO}`));
      await backend.listUpgrades();
      assert.equal(queries(), 4, 'pacman.conf changed');
    } finally {
      sandbox.dispose();
    }
  });
});
