/**
 * The Arch .pkg.tar.zst, built by the packaging script and checked with pacman: metadata, backup=
 * files, and a real install into a pacman --root sandbox with its .INSTALL run there.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { makeSandboxDir, runTool } from '../support/sandbox/common.js';
import { builtPackages } from './support/build.js';
import {
  assertLayoutAndModes,
  assertOnlyWhatRuns,
  assertProductionOnly,
  assertShipsOnlyItsOwnBackend,
  PRIVATE_DIRS,
} from './support/checks.js';
import { addBusyboxShell, pacmanFiles } from './support/inspect.js';

const packages = { pacman: '' };

// Building packages on a busy two-core machine can take minutes.
before(
  async () => {
    packages.pacman = (await builtPackages(['pacman']))['pacman']!;
  },
  { timeout: 900_000 },
);

test('holds the core, only the pacman backend, the audit plugins and production dependencies', async () => {
  const files = await pacmanFiles(packages.pacman);
  assertShipsOnlyItsOwnBackend('pacman', files, 'backend-pacman');
  assertProductionOnly('pacman', files);
  assertOnlyWhatRuns('pacman', files, '/usr/share/licenses/linux-patch-api/LICENSE');
  assertLayoutAndModes('pacman', files, 'systemd');
});

describe('.pkg.tar.zst', () => {
  test('pacman -Qip / -Qlp: depends on nodejs>=20, backs up the configuration files', async () => {
    const { stdout: info } = await runTool('/usr/bin/pacman', ['-Qip', packages.pacman]);
    assert.match(info, /^Name\s+: linux-patch-api$/m);
    assert.match(info, /^Depends On\s+: .*nodejs>=20/m);
    const { stdout: pkginfo } = await runTool('/usr/bin/bsdtar', ['-xOf', packages.pacman, '.PKGINFO']);
    assert.match(pkginfo, /^backup = etc\/linux_patch_api\/config\.yaml$/m);
    assert.match(pkginfo, /^backup = etc\/linux_patch_api\/whitelist\.yaml$/m);
    const { stdout: list } = await runTool('/usr/bin/pacman', ['-Qlp', packages.pacman]);
    assert.match(list, /^linux-patch-api \/usr\/bin\/linux-patch-api$/m);
    assert.match(list, /^linux-patch-api \/usr\/lib\/systemd\/system\/linux-patch-api\.service$/m);
  });

  test('installs into a pacman --root sandbox with its .INSTALL run in the root', async () => {
    const dir = makeSandboxDir('pacman-install');
    const root = join(dir, 'root');
    await addBusyboxShell(root);
    await mkdir(join(root, 'var/lib/pacman'), { recursive: true });
    await mkdir(join(root, 'var/cache/pacman/pkg'), { recursive: true });
    const config = join(dir, 'pacman.conf');
    await writeFile(
      config,
      [
        '[options]',
        `RootDir = ${root}`,
        `DBPath = ${join(root, 'var/lib/pacman')}/`,
        `CacheDir = ${join(root, 'var/cache/pacman/pkg')}/`,
        `LogFile = ${join(root, 'var/log/pacman.log')}`,
        `GPGDir = ${join(root, 'etc/pacman.d/gnupg')}/`,
        `HookDir = ${join(root, 'etc/pacman.d/hooks')}/`,
        'Architecture = auto',
        'SigLevel = Never',
        'LocalFileSigLevel = Never',
        '',
      ].join('\n'),
    );
    const pacman = (args: string[]) =>
      runTool('/usr/bin/pacman', [
        '--noconfirm',
        '--config',
        config,
        '--root',
        root,
        '--dbpath',
        join(root, 'var/lib/pacman'),
        ...args,
      ]);
    await pacman(['-U', '-dd', packages.pacman]);
    const { stdout } = await pacman(['-Q', 'linux-patch-api']);
    assert.match(stdout, /^linux-patch-api \S+$/m);
    // Every installed file matches the package's .MTREE (type, mode, owner, size, checksums).
    const { stdout: checked } = await pacman(['-Qkk', 'linux-patch-api']);
    assert.match(checked, /linux-patch-api: \d+ total files, 0 altered files/);
    const { stdout: installed } = await pacman(['-Qii', 'linux-patch-api']);
    assert.match(installed, /^Backup Files\s+:/m);
    assert.match(installed, /^UNMODIFIED\t\S*\/etc\/linux_patch_api\/config\.yaml$/m);
    assert.match(installed, /^UNMODIFIED\t\S*\/etc\/linux_patch_api\/whitelist\.yaml$/m);
    for (const path of PRIVATE_DIRS) assert.equal(statSync(join(root, path)).mode & 0o777, 0o700, path);

    const edited = 'allowed: [198.51.100.7]\n';
    await writeFile(join(root, 'etc/linux_patch_api/whitelist.yaml'), edited);
    await writeFile(join(root, 'var/lib/linux_patch_api/state/mutation-in-progress'), `${process.pid} job-1\n`);
    await pacman(['-U', '-dd', packages.pacman]);
    assert.equal(readFileSync(join(root, 'etc/linux_patch_api/whitelist.yaml'), 'utf8'), edited, 'backup= keeps the edit');
    assert.ok(
      existsSync(join(root, 'var/lib/linux_patch_api/state/restart-pending')),
      'post_upgrade left the restart to the agent',
    );
    const log = readFileSync(join(root, 'var/log/pacman.log'), 'utf8');
    assert.doesNotMatch(log, /scriptlet failed|error:/i, log);
  });
});
