/**
 * The .deb, built by the packaging script and checked with Debian's tools: dpkg-deb, a real
 * install into a dpkg --root sandbox (modes, conffiles kept, maintainer scripts, purge).
 * lintian runs in lintian.test.ts (it is slow enough to deserve its own time budget).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { createTestPki } from '../support/agent.js';
import { makeSandboxDir, runTool } from '../support/sandbox/common.js';
import { builtPackages, REPO_ROOT } from './support/build.js';
import {
  assertLayoutAndModes,
  assertOnlyWhatRuns,
  assertProductionOnly,
  assertShipsOnlyItsOwnBackend,
  deadPid,
  PRIVATE_DIRS,
  runAny,
  SCOPE_DIR,
} from './support/checks.js';
import { debFiles } from './support/inspect.js';

const packages = { deb: '' };

// Building packages on a busy two-core machine can take minutes.
before(
  async () => {
    packages.deb = (await builtPackages(['deb']))['deb']!;
  },
  { timeout: 900_000 },
);

test('holds the core, only the apt backend, the audit plugins and production dependencies, with restrictive modes', async () => {
  const files = await debFiles(packages.deb);
  assertShipsOnlyItsOwnBackend('deb', files, 'backend-apt');
  assertProductionOnly('deb', files);
  assertOnlyWhatRuns('deb', files, '/usr/share/doc/linux-patch-api/copyright');
  assertLayoutAndModes('deb', files, 'systemd');
});

describe('.deb', () => {
  test('control: depends on nodejs >= 20 and apt, lists both configuration files as conffiles', async () => {
    const { stdout: control } = await runTool('/usr/bin/dpkg-deb', ['-f', packages.deb]);
    assert.match(control, /^Package: linux-patch-api$/m);
    assert.match(control, /^Depends: .*nodejs \(>= 20\)/m);
    assert.match(control, /^Depends: .*\bapt\b/m);
    const { stdout: conffiles } = await runTool('/usr/bin/dpkg-deb', ['-I', packages.deb, 'conffiles']);
    assert.deepEqual(conffiles.trim().split('\n').sort(), [
      '/etc/linux_patch_api/config.yaml',
      '/etc/linux_patch_api/whitelist.yaml',
    ]);
  });

  test('installs into a dpkg --root sandbox, keeps an edited conffile on upgrade, purge removes state', async () => {
    const dir = makeSandboxDir('deb-install');
    const root = join(dir, 'root');
    for (const sub of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) {
      await mkdir(join(root, sub), { recursive: true });
    }
    await writeFile(join(root, 'var/lib/dpkg/status'), '');
    await writeFile(join(root, 'var/lib/dpkg/available'), '');
    // Maintainer scripts run outside the root with DPKG_ROOT set, as dpkg does for --root installs
    // of packages that support it; nodejs is not in this empty root, hence --force-depends.
    const dpkg = (args: string[]) =>
      runTool('/usr/bin/dpkg', [
        `--root=${root}`,
        `--log=${join(dir, 'dpkg.log')}`,
        '--force-script-chrootless',
        '--force-depends',
        ...args,
      ]);
    await dpkg(['-i', packages.deb]);

    const { stdout: status } = await runTool('/usr/bin/dpkg-query', [
      `--admindir=${join(root, 'var/lib/dpkg')}`,
      '-W',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
      '-f=${Status}\n${Conffiles}\n',
      'linux-patch-api',
    ]);
    assert.match(status, /^install ok installed$/m);
    assert.match(status, /\/etc\/linux_patch_api\/config\.yaml [0-9a-f]{32}/);
    assert.match(status, /\/etc\/linux_patch_api\/whitelist\.yaml [0-9a-f]{32}/);
    for (const path of PRIVATE_DIRS) {
      assert.equal(statSync(join(root, path)).mode & 0o777, 0o700, path);
    }
    assert.equal(statSync(join(root, 'etc/linux_patch_api/config.yaml')).mode & 0o777, 0o640);
    assert.equal(statSync(join(root, 'usr/bin/linux-patch-api')).mode & 0o777, 0o755);
    assert.ok(existsSync(join(root, 'usr/lib/systemd/system/linux-patch-api.service')));
    // Every installed file matches the package's md5sums.
    assert.equal((await dpkg(['--verify', 'linux-patch-api'])).stdout, '');

    // The installed production tree runs on its own: the CLI starts and accepts the default
    // configuration (pointed at this root, with certificates put where the config expects them).
    const cli = join(root, SCOPE_DIR, 'core/dist/cli.js');
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'core/package.json'), 'utf8')).version as string;
    assert.equal((await runTool(process.execPath, [cli, '--version'])).stdout.trim(), version);
    await createTestPki(join(root, 'etc/linux_patch_api/certs'));
    const rootedConfig = join(dir, 'config.yaml');
    await writeFile(
      rootedConfig,
      readFileSync(join(root, 'etc/linux_patch_api/config.yaml'), 'utf8').replaceAll(
        '/etc/linux_patch_api/',
        `${root}/etc/linux_patch_api/`,
      ),
    );
    const checked = await runAny(process.execPath, [cli, 'check-config', '--config', rootedConfig]);
    assert.equal(checked.code, 0, checked.output);
    assert.match(checked.output, /valid \(0 allow-list entries/, 'the default whitelist admits nobody');

    const edited = '# edited by the administrator\nallowed: [10.0.0.0/8]\n';
    await writeFile(join(root, 'etc/linux_patch_api/whitelist.yaml'), edited);
    await dpkg(['-i', packages.deb]);
    assert.equal(readFileSync(join(root, 'etc/linux_patch_api/whitelist.yaml'), 'utf8'), edited, 'the edited conffile survives');
    // The upgrade ran the postinst restart path; with no agent job running and DPKG_ROOT set it
    // neither restarted anything nor left a restart request.
    const stateDir = join(root, 'var/lib/linux_patch_api/state');
    assert.ok(!existsSync(join(stateDir, 'restart-pending')));

    // While the agent runs a mutating job it names its pid in mutation-in-progress: the upgrade's
    // postinst then leaves the restart to the agent instead of restarting the service.
    await writeFile(join(stateDir, 'mutation-in-progress'), `${process.pid} job-1\n`);
    await dpkg(['-i', packages.deb]);
    assert.ok(existsSync(join(stateDir, 'restart-pending')), 'postinst leaves the restart to the running agent');
    assert.equal(statSync(join(stateDir, 'restart-pending')).mode & 0o777, 0o600);
    await rm(join(stateDir, 'restart-pending'));
    // A marker left by an agent that is gone (its pid is not alive) is ignored.
    await writeFile(join(stateDir, 'mutation-in-progress'), `${deadPid()} job-2\n`);
    await dpkg(['-i', packages.deb]);
    assert.ok(!existsSync(join(stateDir, 'restart-pending')), 'a stale marker does not defer the restart');

    await dpkg(['--purge', 'linux-patch-api']);
    assert.ok(!existsSync(join(root, 'usr/bin/linux-patch-api')));
    assert.ok(!existsSync(join(root, 'var/lib/linux_patch_api')), 'purge removes the state directory');
    assert.ok(!existsSync(join(root, 'var/log/linux_patch_api')), 'purge removes the log directory');
  });
});
