/**
 * The five native packages, built once by the packaging script and checked with each
 * distribution's own tools: contents and modes, metadata, configuration files kept on upgrade,
 * maintainer scripts, and real installs into sandbox roots (dpkg --root, rpm --root, pacman --root).
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { makeSandboxDir, runTool } from '../support/sandbox/common.js';
import { type BuiltPackages, builtPackages } from './support/build.js';
import {
  addBusyboxShell,
  debFiles,
  type FileModes,
  pacmanFiles,
  readTar,
  rpmEnv,
  rpmFiles,
  splitGzipMembers,
  tarModes,
} from './support/inspect.js';

const BACKENDS = ['backend-apt', 'backend-dnf', 'backend-yum', 'backend-apk', 'backend-pacman'];
const PRIVATE_DIRS = [
  '/etc/linux_patch_api/certs',
  '/var/lib/linux_patch_api',
  '/var/lib/linux_patch_api/jobs',
  '/var/lib/linux_patch_api/state',
  '/var/log/linux_patch_api',
];
const SCOPE_DIR = '/usr/lib/linux-patch-api/node_modules/@linux-patch-api';

let packages: BuiltPackages;
let rpmHome: string;
const listings = new Map<string, FileModes>();

/** The pid of a process that has exited (and, as the test runs briefly, not been reused). */
function deadPid(): number {
  const child = spawnSync('/bin/true');
  assert.equal(child.status, 0);
  return child.pid;
}

/** Resolves with exit code and output, whatever the exit code. */
function runAny(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

function apkEntries(apk: string) {
  const members = splitGzipMembers(readFileSync(apk));
  assert.equal(members.length, 2, 'an unsigned apk is a control stream and a data stream');
  return {
    control: readTar(gunzipSync(members[0]!)),
    data: readTar(gunzipSync(members[1]!)),
    dataStream: members[1]!,
  };
}

before(async () => {
  packages = await builtPackages();
  rpmHome = makeSandboxDir('rpm-home');
  listings.set('deb', await debFiles(packages.deb));
  listings.set('rpm-dnf', await rpmFiles(packages.rpmDnf, rpmHome));
  listings.set('rpm-yum', await rpmFiles(packages.rpmYum, rpmHome));
  listings.set('apk', tarModes(apkEntries(packages.apk).data));
  listings.set('pacman', await pacmanFiles(packages.pacman));
});

describe('every package', () => {
  const ownBackend: Record<string, string> = {
    deb: 'backend-apt',
    'rpm-dnf': 'backend-dnf',
    'rpm-yum': 'backend-yum',
    apk: 'backend-apk',
    pacman: 'backend-pacman',
  };

  test('holds the core, only its own backend and the audit plugins', () => {
    for (const [id, files] of listings) {
      const plugins = new Set(
        [...files.keys()]
          .map((path) => (path.startsWith(`${SCOPE_DIR}/`) ? path.slice(SCOPE_DIR.length + 1).split('/')[0] : undefined))
          .filter((name): name is string => name !== undefined),
      );
      assert.ok(plugins.has('core'), `${id} ships the core`);
      assert.ok(plugins.has(ownBackend[id]!), `${id} ships ${ownBackend[id]}`);
      for (const backend of BACKENDS.filter((b) => b !== ownBackend[id])) {
        assert.ok(!plugins.has(backend), `${id} must not ship ${backend}`);
      }
      assert.ok(plugins.has('audit-journald') && plugins.has('audit-file'), `${id} ships both audit plugins`);
      assert.ok(files.has(`${SCOPE_DIR}/core/package.json`), `${id}: the core's package.json`);
      assert.ok(
        [...files.keys()].some((path) => path.startsWith(`${SCOPE_DIR}/core/dist/`) && path.endsWith('.js')),
        `${id}: the core's compiled JavaScript`,
      );
    }
  });

  test('holds production dependencies only: no dev tools, no TypeScript sources, no tests', () => {
    const devOnly = /\/node_modules\/(typescript|tsx|esbuild|@biomejs|@types|autocannon|lerna)\//;
    for (const [id, files] of listings) {
      for (const path of files.keys()) {
        assert.doesNotMatch(path, devOnly, `${id} ships a devDependency: ${path}`);
        if (path.startsWith(SCOPE_DIR)) {
          assert.doesNotMatch(
            path,
            /\/(src|test)\/|\.test\.[jt]s$|\.ts$(?<!\.d\.ts$)/,
            `${id} ships a source or test file: ${path}`,
          );
        }
      }
      assert.ok(files.has('/usr/lib/linux-patch-api/node_modules/koa/package.json'), `${id}: koa is installed`);
    }
  });

  test('installs the launcher, the default configuration and private directories with restrictive modes', () => {
    for (const [id, files] of listings) {
      assert.equal(files.get('/usr/bin/linux-patch-api'), '-rwxr-xr-x', `${id}: launcher`);
      assert.equal(files.get('/etc/linux_patch_api/config.yaml'), '-rw-r-----', `${id}: config.yaml`);
      assert.equal(files.get('/etc/linux_patch_api/whitelist.yaml'), '-rw-r-----', `${id}: whitelist.yaml`);
      for (const dir of PRIVATE_DIRS) assert.equal(files.get(dir), 'drwx------', `${id}: ${dir}`);
      if (id === 'apk') {
        assert.equal(files.get('/etc/init.d/linux-patch-api'), '-rwxr-xr-x', 'apk: OpenRC script');
        assert.ok(!files.has('/usr/lib/systemd/system/linux-patch-api.service'), 'apk: no systemd unit');
      } else {
        assert.equal(files.get('/usr/lib/systemd/system/linux-patch-api.service'), '-rw-r--r--', `${id}: systemd unit`);
      }
    }
  });
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

  test('lintian reports no errors', async () => {
    const { code, output } = await runAny('/usr/bin/lintian', ['--no-tag-display-limit', packages.deb]);
    const errors = output.split('\n').filter((line) => line.startsWith('E:'));
    assert.deepEqual(errors, [], output);
    assert.ok(code === 0 || code === 2, `lintian ran (exit ${code}): ${output}`);
  });
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

  test('installs into an rpm --root sandbox with its scriptlets run in the root', async () => {
    const dir = makeSandboxDir('rpm-install');
    const root = join(dir, 'root');
    await addBusyboxShell(root);
    const env = rpmEnv(rpmHome);
    const rpm = (args: string[]) => runTool('/usr/bin/rpm', [`--root=${root}`, '--dbpath=/var/lib/rpm', ...args], { env });
    await rpm(['-i', '--nodeps', packages.rpmDnf]);
    const { stdout } = await rpm(['-q', 'linux-patch-api']);
    assert.match(stdout, /^linux-patch-api-\S+\.dnf\.\S+$/m);
    for (const path of PRIVATE_DIRS) assert.equal(statSync(join(root, path)).mode & 0o777, 0o700, path);
    assert.ok(existsSync(join(root, SCOPE_DIR, 'backend-dnf/package.json')));

    // An upgrade (here: a reinstall) keeps an edited %config(noreplace) file.
    const edited = 'allowed: [192.0.2.0/24]\n';
    await writeFile(join(root, 'etc/linux_patch_api/whitelist.yaml'), edited);
    await rpm(['-U', '--replacepkgs', '--nodeps', packages.rpmDnf]);
    assert.equal(readFileSync(join(root, 'etc/linux_patch_api/whitelist.yaml'), 'utf8'), edited);
    await rpm(['-e', '--nodeps', 'linux-patch-api']);
    assert.ok(!existsSync(join(root, 'usr/bin/linux-patch-api')));
  });
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
    const { stdout: installed } = await pacman(['-Qii', 'linux-patch-api']);
    assert.match(installed, /^Backup Files\s+: \S*etc\/linux_patch_api\/config\.yaml/m);
    for (const path of PRIVATE_DIRS) assert.equal(statSync(join(root, path)).mode & 0o777, 0o700, path);

    const edited = 'allowed: [198.51.100.7]\n';
    await writeFile(join(root, 'etc/linux_patch_api/whitelist.yaml'), edited);
    await pacman(['-U', '-dd', packages.pacman]);
    assert.equal(readFileSync(join(root, 'etc/linux_patch_api/whitelist.yaml'), 'utf8'), edited, 'backup= keeps the edit');
    const log = readFileSync(join(root, 'var/log/pacman.log'), 'utf8');
    assert.doesNotMatch(log, /scriptlet failed|error:/i, log);
  });
});

describe('.apk', () => {
  test('.PKGINFO names the package, depends on nodejs>=20 and hashes the data stream', () => {
    const { control, data, dataStream } = apkEntries(packages.apk);
    const pkginfo = control.find((entry) => entry.path === '.PKGINFO');
    assert.ok(pkginfo, 'the control stream holds .PKGINFO');
    const text = pkginfo.data.toString('utf8');
    assert.match(text, /^pkgname = linux-patch-api$/m);
    assert.match(text, /^pkgver = \d+\.\d+\.\d+-r\d+$/m);
    assert.match(text, /^depend = nodejs>=20$/m);
    assert.match(text, new RegExp(`^datahash = ${createHash('sha256').update(dataStream).digest('hex')}$`, 'm'));
    for (const entry of data.filter((e) => e.type === '0')) {
      assert.equal(
        entry.pax['APK-TOOLS.checksum.SHA1'],
        createHash('sha1').update(entry.data).digest('hex'),
        `checksum of ${entry.path}`,
      );
    }
    for (const script of ['.post-upgrade', '.pre-deinstall']) {
      const entry = control.find((e) => e.path === script);
      assert.ok(entry, `${script} is present`);
      assert.equal(entry.mode & 0o777, 0o755);
    }
  });

  test('tar reads the whole package (control then data) as one archive', async () => {
    const { stdout } = await runTool('/usr/bin/tar', ['-tzf', packages.apk]);
    const names = stdout.split('\n');
    assert.equal(names[0], '.PKGINFO');
    assert.ok(names.includes('etc/init.d/linux-patch-api'));
    assert.ok(names.includes('usr/bin/linux-patch-api'));
  });

  test('maintainer scripts and the OpenRC script are valid sh', async () => {
    const { control, data } = apkEntries(packages.apk);
    const dir = makeSandboxDir('apk-scripts');
    for (const entry of [
      ...control.filter((e) => e.path.startsWith('.p')),
      ...data.filter((e) => e.path.startsWith('etc/init.d/')),
    ]) {
      const file = join(dir, entry.path.replaceAll('/', '_'));
      await writeFile(file, entry.data);
      await runTool('/bin/sh', ['-n', file]);
    }
    const openrc = data.find((e) => e.path === 'etc/init.d/linux-patch-api')!.data.toString('utf8');
    assert.match(openrc, /^#!\/sbin\/openrc-run$/m);
    assert.match(openrc, /^supervisor="supervise-daemon"$/m);
    assert.match(openrc, /^respawn_max=/m);
    assert.match(openrc, /^no_new_privs="yes"$/m);
    assert.match(openrc, /^capabilities="!cap_sys_admin,/m);
  });
});

describe('systemd unit', () => {
  let unitRoot: string;

  before(async () => {
    unitRoot = join(makeSandboxDir('unit'), 'root');
    await runTool('/usr/bin/dpkg-deb', ['-x', packages.deb, unitRoot]);
    // verify resolves the unit's dependencies (multi-user.target, …) inside --root.
    const { stdout } = await runTool('/usr/bin/find', [
      '/lib/systemd/system',
      '/usr/lib/systemd/system',
      '-maxdepth',
      '1',
      '-name',
      '*.target',
    ]);
    for (const target of new Set(stdout.split('\n').filter(Boolean))) {
      const name = target.split('/').pop()!;
      const copy = join(unitRoot, 'usr/lib/systemd/system', name);
      if (!existsSync(copy) && lstatSync(target).isFile()) await writeFile(copy, readFileSync(target));
    }
  });

  test('systemd-analyze verify accepts it without a warning', async () => {
    const { code, output } = await runAny('/usr/bin/systemd-analyze', [
      'verify',
      `--root=${unitRoot}`,
      '/usr/lib/systemd/system/linux-patch-api.service',
    ]);
    assert.equal(code, 0, output);
    assert.equal(output.trim(), '', output);
  });

  test('has the required hardening and lets the package manager write where packages install', () => {
    const unit = readFileSync(join(unitRoot, 'usr/lib/systemd/system/linux-patch-api.service'), 'utf8');
    for (const line of [
      'Restart=on-failure',
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'ProtectHome=true',
      'PrivateTmp=true',
      'SystemCallFilter=@system-service chroot',
      'SystemCallArchitectures=native',
      'RestrictNamespaces=true',
      'LockPersonality=true',
      'ProtectControlGroups=true',
    ]) {
      assert.match(unit, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), line);
    }
    const writable = [...unit.matchAll(/^ReadWritePaths=(.*)$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const path of ['/etc', '/usr', '/var', '/boot', '/opt', '/run'])
      assert.ok(writable.includes(path), `ReadWritePaths has ${path}`);
    // Options that would break package management must stay off.
    for (const option of ['MemoryDenyWriteExecute', 'RestrictSUIDSGID', 'ProtectKernelModules', 'PrivateDevices']) {
      assert.doesNotMatch(unit, new RegExp(`^${option}=`, 'm'), option);
    }
    assert.match(unit, /^RestartForceExitStatus=75$/m, 'the self-restart exit code restarts the service');
  });

  test('systemd-analyze security --offline rates its exposure at 4.5 or better', async () => {
    const { output } = await runAny('/usr/bin/systemd-analyze', [
      'security',
      '--offline=true',
      join(unitRoot, 'usr/lib/systemd/system/linux-patch-api.service'),
    ]);
    const match = /Overall exposure level for linux-patch-api\.service: (\d+\.\d+)/.exec(output);
    assert.ok(match, output);
    assert.ok(Number(match[1]) <= 4.5, `exposure ${match[1]}`);
  });
});
