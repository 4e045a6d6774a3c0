/**
 * The checks of one rpm flavour (dnf or yum), built by the packaging script and checked with rpm:
 * contents, metadata, %config(noreplace), scriptlets, and a real install into an rpm --root
 * sandbox. Each flavour has its own test file, so each builds only its own package.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { makeSandboxDir, runTool } from '../../support/sandbox/common.js';
import { builtPackages } from './build.js';
import {
  assertLayoutAndModes,
  assertOnlyWhatRuns,
  assertProductionOnly,
  assertShipsOnlyItsOwnBackend,
  PRIVATE_DIRS,
  SCOPE_DIR,
} from './checks.js';
import { addBusyboxShell, rpmEnv, rpmFiles } from './inspect.js';

export function rpmSuite(flavour: 'dnf' | 'yum'): void {
  const id = `rpm-${flavour}` as const;
  let rpmPath = '';
  let rpmHome = '';

  // Building packages on a busy two-core machine can take minutes.
  before(
    async () => {
      rpmPath = (await builtPackages([id]))[id]!;
      rpmHome = makeSandboxDir('rpm-home');
    },
    { timeout: 900_000 },
  );

  test(`holds the core, only the ${flavour} backend, the audit plugins and production dependencies`, async () => {
    const files = await rpmFiles(rpmPath, rpmHome);
    assertShipsOnlyItsOwnBackend(id, files, `backend-${flavour}`);
    assertProductionOnly(id, files);
    assertOnlyWhatRuns(id, files, '/usr/share/licenses/linux-patch-api/LICENSE');
    assertLayoutAndModes(id, files, 'systemd');
  });

  test('metadata: requires nodejs >= 1:20 and its package manager; configuration files are %config(noreplace)', async () => {
    const env = rpmEnv(rpmHome);
    const { stdout: requires } = await runTool('/usr/bin/rpm', ['-qp', '--requires', rpmPath], { env });
    assert.match(requires, /^nodejs >= 1:20$/m);
    assert.match(requires, new RegExp(`^${flavour}$`, 'm'));
    const { stdout: configs } = await runTool('/usr/bin/rpm', ['-qp', '--qf', '[%{FILEFLAGS:fflags} %{FILENAMES}\n]', rpmPath], {
      env,
    });
    assert.match(configs, /^cn \/etc\/linux_patch_api\/config\.yaml$/m, 'config.yaml is %config(noreplace)');
    assert.match(configs, /^cn \/etc\/linux_patch_api\/whitelist\.yaml$/m, 'whitelist.yaml is %config(noreplace)');
    const { stdout: info } = await runTool('/usr/bin/rpm', ['-qip', '--scripts', rpmPath], { env });
    assert.match(info, /^Name\s+: linux-patch-api$/m);
    assert.match(info, /postuninstall scriptlet[\s\S]*lpa_restart_or_defer/);
    assert.match(info, /preuninstall scriptlet[\s\S]*lpa_stop_or_defer/);
  });

  test(`the ${flavour} rpm installs into an rpm --root sandbox with its scriptlets run in the root`, async () => {
    const pkg = rpmPath;
    const dir = makeSandboxDir(`rpm-install-${flavour}`);
    const root = join(dir, 'root');
    await addBusyboxShell(root);
    const env = rpmEnv(rpmHome);
    const rpm = (args: string[]) => runTool('/usr/bin/rpm', [`--root=${root}`, '--dbpath=/var/lib/rpm', ...args], { env });
    await rpm(['-i', '--nodeps', pkg]);
    const { stdout } = await rpm(['-q', 'linux-patch-api']);
    assert.match(stdout, new RegExp(`^linux-patch-api-\\S+\\.${flavour}\\.\\S+$`, 'm'));
    for (const path of PRIVATE_DIRS) assert.equal(statSync(join(root, path)).mode & 0o777, 0o700, path);
    assert.ok(existsSync(join(root, SCOPE_DIR, `backend-${flavour}/package.json`)));

    // Every installed file matches the package's header (digest, mode, owner, size).
    assert.equal((await rpm(['-V', '--nodeps', 'linux-patch-api'])).stdout, '');

    // An upgrade (here: a reinstall) keeps an edited %config(noreplace) file.
    const edited = 'allowed: [192.0.2.0/24]\n';
    await writeFile(join(root, 'etc/linux_patch_api/whitelist.yaml'), edited);
    // The upgrade runs while an agent job is marked as running: the scriptlet defers the restart.
    await writeFile(join(root, 'var/lib/linux_patch_api/state/mutation-in-progress'), `${process.pid} job-1\n`);
    await rpm(['-U', '--replacepkgs', '--nodeps', pkg]);
    assert.equal(readFileSync(join(root, 'etc/linux_patch_api/whitelist.yaml'), 'utf8'), edited);
    assert.ok(existsSync(join(root, 'var/lib/linux_patch_api/state/restart-pending')), '%postun left the restart to the agent');
    await rpm(['-e', '--nodeps', 'linux-patch-api']);
    assert.ok(!existsSync(join(root, 'usr/bin/linux-patch-api')));
  });
}
