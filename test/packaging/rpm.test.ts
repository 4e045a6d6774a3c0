/**
 * The dnf and yum .rpm packages, built by the packaging script and checked with rpm: metadata,
 * %config(noreplace), scriptlets, and a real install into an rpm --root sandbox.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { makeSandboxDir, runTool } from '../support/sandbox/common.js';
import { builtPackages } from './support/build.js';
import {
  assertLayoutAndModes,
  assertProductionOnly,
  assertShipsOnlyItsOwnBackend,
  PRIVATE_DIRS,
  SCOPE_DIR,
} from './support/checks.js';
import { addBusyboxShell, rpmEnv, rpmFiles } from './support/inspect.js';

const packages = { rpmDnf: '', rpmYum: '' };
let rpmHome: string;

// Building packages on a busy two-core machine can take minutes.
before(
  async () => {
    const built = await builtPackages(['rpm-dnf', 'rpm-yum']);
    packages.rpmDnf = built['rpm-dnf']!;
    packages.rpmYum = built['rpm-yum']!;
    rpmHome = makeSandboxDir('rpm-home');
  },
  { timeout: 900_000 },
);

test('each holds the core, only its own backend, the audit plugins and production dependencies', async () => {
  for (const [id, rpm, backend] of [
    ['rpm-dnf', packages.rpmDnf, 'backend-dnf'],
    ['rpm-yum', packages.rpmYum, 'backend-yum'],
  ] as const) {
    const files = await rpmFiles(rpm, rpmHome);
    assertShipsOnlyItsOwnBackend(id, files, backend);
    assertProductionOnly(id, files);
    assertLayoutAndModes(id, files, 'systemd');
  }
});

describe('.rpm (dnf and yum)', () => {
  test('metadata: requires nodejs >= 1:20 and its package manager; configuration files are %config(noreplace)', async () => {
    for (const [rpm, manager] of [
      [packages.rpmDnf, 'dnf'],
      [packages.rpmYum, 'yum'],
    ] as const) {
      const env = rpmEnv(rpmHome);
      const { stdout: requires } = await runTool('/usr/bin/rpm', ['-qp', '--requires', rpm], { env });
      assert.match(requires, /^nodejs >= 1:20$/m);
      assert.match(requires, new RegExp(`^${manager}$`, 'm'));
      const { stdout: configs } = await runTool('/usr/bin/rpm', ['-qp', '--qf', '[%{FILEFLAGS:fflags} %{FILENAMES}\n]', rpm], {
        env,
      });
      assert.match(configs, /^cn \/etc\/linux_patch_api\/config\.yaml$/m, 'config.yaml is %config(noreplace)');
      assert.match(configs, /^cn \/etc\/linux_patch_api\/whitelist\.yaml$/m, 'whitelist.yaml is %config(noreplace)');
      const { stdout: info } = await runTool('/usr/bin/rpm', ['-qip', '--scripts', rpm], { env });
      assert.match(info, /^Name\s+: linux-patch-api$/m);
      assert.match(info, /postuninstall scriptlet[\s\S]*lpa_restart_or_defer/);
      assert.match(info, /preuninstall scriptlet[\s\S]*lpa_stop_or_defer/);
    }
  });

  for (const flavour of ['dnf', 'yum'] as const) {
    test(`the ${flavour} rpm installs into an rpm --root sandbox with its scriptlets run in the root`, async () => {
      const pkg = flavour === 'dnf' ? packages.rpmDnf : packages.rpmYum;
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
});
