/**
 * Sandbox for the rpm backends: fixture rpms built with rpmbuild, a repository indexed with
 * createrepo_c carrying an updateinfo.xml (a security advisory with a severity and a CVE, and a
 * bugfix advisory) added with modifyrepo_c, and a throw-away root with its own dnf.conf and
 * repos.d. Nothing here reads or writes the host's rpm database or /etc/dnf: rpm and dnf run with
 * HOME set to a sandbox dir whose .rpmmacros puts the database at ROOT/var/lib/rpm (Debian's rpm
 * would otherwise use ~/.rpmdb). `dnf --version` is never called (it ignores --installroot).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fingerprintFile, makeSandboxDir, removeSandboxDir, runTool } from './common.js';

export const SLOW = 'lpa-fixture-slow';
export const RELEASE = 'lpa-fixture-release';
/** Inside the root: written by the slow package's %post when it starts. */
export const SLOW_STARTED_MARKER = '/var/lib/lpa-fixture-slow.started';

export interface FixturePackage {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  requires?: string;
  provides?: string;
  /** A `%post` scriptlet in rpm's embedded Lua (the root needs no shell for it). */
  postLua?: string;
  /** More files the package ships: path inside the root (no leading slash) → text. */
  files?: Readonly<Record<string, string>>;
}

/** The fixture set: hello 1.0-1 → 1.1-1 (1.1 needs dep), dep 1.0-1, sec 1.0-1 → 1.1-1 (security), an epoch package, a slow package. */
export const FIXTURE_PACKAGES: readonly FixturePackage[] = [
  { name: 'lpa-fixture-hello', version: '1.0', release: '1' },
  { name: 'lpa-fixture-hello', version: '1.1', release: '1', requires: 'lpa-fixture-dep >= 1.0' },
  { name: 'lpa-fixture-dep', version: '1.0', release: '1' },
  { name: 'lpa-fixture-sec', version: '1.0', release: '1' },
  { name: 'lpa-fixture-sec', version: '1.1', release: '1' },
  { name: 'lpa-fixture-epoch', epoch: 2, version: '0.5', release: '1' },
  // Like a distribution's release package: dnf takes $releasever from it.
  { name: RELEASE, version: '41', release: '1', provides: 'system-release(releasever) = 41' },
  // Its %post marks that it started, then sleeps: a transaction that outlives any job timeout.
  { name: SLOW, version: '1.0', release: '1', postLua: `io.open("${SLOW_STARTED_MARKER}", "w"):close()\nposix.sleep(600)` },
];

export const SECURITY_ADVISORY = { id: 'LPA-2026-0001', severity: 'Important', cve: 'CVE-2026-12345' } as const;
export const BUGFIX_ADVISORY = { id: 'LPA-2026-0002' } as const;

const UPDATEINFO = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="security@example.invalid" status="stable" type="security" version="1.0">
    <id>${SECURITY_ADVISORY.id}</id>
    <title>${SECURITY_ADVISORY.severity}: lpa-fixture-sec security update</title>
    <severity>${SECURITY_ADVISORY.severity}</severity>
    <issued date="2026-01-01 00:00:00"/>
    <updated date="2026-01-02 00:00:00"/>
    <description>Fixes ${SECURITY_ADVISORY.cve}.</description>
    <references>
      <reference href="https://example.invalid/${SECURITY_ADVISORY.cve}" id="${SECURITY_ADVISORY.cve}" type="cve" title="${SECURITY_ADVISORY.cve}"/>
    </references>
    <pkglist>
      <collection short="fixtures">
        <name>Fixtures</name>
        <package name="lpa-fixture-sec" version="1.1" release="1" epoch="0" arch="noarch" src="lpa-fixture-sec-1.1-1.src.rpm">
          <filename>lpa-fixture-sec-1.1-1.noarch.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
  <update from="bugs@example.invalid" status="stable" type="bugfix" version="1.0">
    <id>${BUGFIX_ADVISORY.id}</id>
    <title>lpa-fixture-hello bug fix update</title>
    <issued date="2026-01-01 00:00:00"/>
    <description>Bug fixes.</description>
    <references/>
    <pkglist>
      <collection short="fixtures">
        <name>Fixtures</name>
        <package name="lpa-fixture-hello" version="1.1" release="1" epoch="0" arch="noarch" src="lpa-fixture-hello-1.1-1.src.rpm">
          <filename>lpa-fixture-hello-1.1-1.noarch.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
</updates>
`;

function specFile(pkg: FixturePackage): string {
  const extraFiles = Object.entries(pkg.files ?? {});
  return [
    `Name: ${pkg.name}`,
    ...(pkg.epoch === undefined ? [] : [`Epoch: ${pkg.epoch}`]),
    `Version: ${pkg.version}`,
    `Release: ${pkg.release}`,
    `Summary: Fixture ${pkg.name} ${pkg.version}`,
    'License: MIT',
    'BuildArch: noarch',
    ...(pkg.requires === undefined ? [] : [`Requires: ${pkg.requires}`]),
    ...(pkg.provides === undefined ? [] : [`Provides: ${pkg.provides}`]),
    '%description',
    `Test fixture ${pkg.name}.`,
    '%install',
    `mkdir -p %{buildroot}/usr/share/${pkg.name}`,
    `echo ${pkg.version} > %{buildroot}/usr/share/${pkg.name}/VERSION`,
    ...extraFiles.flatMap(([path, text]) => [
      `mkdir -p %{buildroot}/${dirname(path)}`,
      `echo ${Buffer.from(text).toString('base64')} | base64 -d > %{buildroot}/${path}`,
    ]),
    ...(pkg.postLua === undefined ? [] : ['%post -p <lua>', pkg.postLua]),
    '%files',
    `/usr/share/${pkg.name}/VERSION`,
    ...extraFiles.map(([path]) => `/${path}`),
    '',
  ].join('\n');
}

async function writeRpmHome(home: string): Promise<void> {
  await mkdir(home, { recursive: true });
  await writeFile(join(home, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
}

/** Builds the given packages into `DIR/repo`, indexes it and adds the advisories. Returns the repo path. */
export async function buildFixtureRepo(dir: string, packages: readonly FixturePackage[] = FIXTURE_PACKAGES): Promise<string> {
  const top = join(dir, 'rpmbuild');
  const home = join(dir, 'build-home');
  const repo = join(dir, 'repo');
  await mkdir(join(top, 'SPECS'), { recursive: true });
  await mkdir(repo, { recursive: true });
  await writeRpmHome(home);
  await Promise.all(
    packages.map(async (pkg) => {
      const spec = join(top, 'SPECS', `${pkg.name}-${pkg.version}-${pkg.release}.spec`);
      await writeFile(spec, specFile(pkg));
      const build = () =>
        runTool(
          '/usr/bin/rpmbuild',
          ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_dbpath ${join(dir, 'rpmdb-build')}`, spec],
          { env: { HOME: home } },
        );
      // One retry: on a loaded machine rpmbuild has been seen to fail once without a reproducible cause.
      await build().catch(build);
    }),
  );
  const built = join(top, 'RPMS', 'noarch');
  for (const file of await readdir(built)) await copyFile(join(built, file), join(repo, file));
  await indexRepo(repo);
  return repo;
}

/** (Re)writes the repository's metadata from the rpms in it, with the advisories. */
async function indexRepo(repo: string): Promise<void> {
  await rm(join(repo, 'repodata'), { recursive: true, force: true });
  await runTool('/usr/bin/createrepo_c', ['-q', repo]);
  const updateinfo = join(repo, '..', 'updateinfo.xml');
  await writeFile(updateinfo, UPDATEINFO);
  await runTool('/usr/bin/modifyrepo_c', ['--mdtype=updateinfo', updateinfo, join(repo, 'repodata')]);
}

/** A private copy of the fixture repository, for a test that changes what the repository offers. */
export async function copyFixtureRepo(): Promise<string> {
  const repo = join(makeSandboxDir('rpm-repo'), 'repo');
  await cp(await fixtureRepo(), repo, { recursive: true });
  return repo;
}

/** Rebuilds the repository without `name-version-release` (as a mirror drops a superseded version). */
export async function withdrawFromRepo(repo: string, nameVersionRelease: string): Promise<void> {
  await rm(join(repo, `${nameVersionRelease}.noarch.rpm`));
  await indexRepo(repo);
}

let sharedRepo: Promise<string> | null = null;

/** The fixture repository, built once per test process. */
export function fixtureRepo(): Promise<string> {
  sharedRepo ??= buildFixtureRepo(makeSandboxDir('rpm-fixtures'));
  return sharedRepo;
}

export interface DnfSandbox {
  /** Everything lives under here. */
  dir: string;
  /** The root file system the backend operates on (`backend.root`). */
  root: string;
  repo: string;
  /** A state dir for the backend (it writes its private rpm HOME there). */
  stateDir: string;
  /** A dir holding `yum`, a symlink to /usr/bin/dnf (RHEL 8+'s yum). */
  binDir: string;
  yumBinary: string;
  /** Runs dnf on the sandbox root directly (test setup and independent checks). */
  dnf(args: readonly string[]): Promise<{ stdout: string; stderr: string }>;
  /** The installed set read with rpm directly: name → [epoch:]version-release. */
  installed(): Promise<Map<string, string>>;
  cleanup(): void;
}

export interface DnfSandboxOptions {
  /** Use this repository instead of the shared fixture repo. */
  repo?: string;
  /** VERSION_ID written to ROOT/etc/os-release (dnf's $releasever for the root). */
  releasever?: string;
  /** The repository's baseurl when it is served (e.g. over HTTP) instead of read as file://. */
  repoUrl?: string;
  /** dnf.conf `keepcache=1`: downloaded packages stay in ROOT/var/cache/dnf/<repo>/packages. */
  keepcache?: boolean;
}

export async function createDnfSandbox(options: DnfSandboxOptions = {}): Promise<DnfSandbox> {
  const repo = options.repo ?? (await fixtureRepo());
  const dir = makeSandboxDir('dnf');
  const root = join(dir, 'root');
  const stateDir = join(dir, 'state');
  const binDir = join(dir, 'bin');
  const home = join(dir, 'home');
  for (const sub of ['etc/dnf', 'etc/yum.repos.d', 'var/lib/rpm', 'var/cache/dnf', 'var/log']) {
    await mkdir(join(root, sub), { recursive: true });
  }
  await mkdir(stateDir, { recursive: true });
  await mkdir(binDir, { recursive: true });
  await writeRpmHome(home);
  await writeFile(
    join(root, 'etc/dnf/dnf.conf'),
    [
      '[main]',
      'gpgcheck=0',
      'install_weak_deps=False',
      'best=False',
      'skip_if_unavailable=False',
      ...(options.keepcache ? ['keepcache=1'] : []),
      '',
    ].join('\n'),
  );
  await writeFile(
    join(root, 'etc/yum.repos.d/fixtures.repo'),
    [
      '[fixtures]',
      'name=Fixtures',
      `baseurl=${options.repoUrl ?? `file://${repo}`}`,
      'enabled=1',
      'gpgcheck=0',
      'metadata_expire=0',
      '',
    ].join('\n'),
  );
  await writeFile(join(root, 'etc/os-release'), `NAME="Fixture Linux"\nID=fedora\nVERSION_ID=${options.releasever ?? '40'}\n`);
  const yumBinary = join(binDir, 'yum');
  await symlink('/usr/bin/dnf', yumBinary);

  const dnfArgs = [
    `--installroot=${root}`,
    `--config=${join(root, 'etc/dnf/dnf.conf')}`,
    `--setopt=reposdir=${join(root, 'etc/yum.repos.d')}`,
    `--releasever=${options.releasever ?? '40'}`,
    '-y',
  ];
  return {
    dir,
    root,
    repo,
    stateDir,
    binDir,
    yumBinary,
    dnf: (args) => runTool('/usr/bin/dnf', [...dnfArgs, ...args], { env: { HOME: home } }),
    async installed() {
      const { stdout } = await runTool(
        '/usr/bin/rpm',
        ['-qa', '--root', root, '--dbpath', '/var/lib/rpm', '--queryformat', '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\\n'],
        { env: { HOME: home } },
      );
      const map = new Map<string, string>();
      for (const line of stdout.split('\n')) {
        const [name, evr] = line.split(' ');
        if (name && evr) map.set(name, evr.replace(/^\(none\):/, ''));
      }
      return map;
    },
    cleanup: () => removeSandboxDir(dir),
  };
}

/** A process holding dnf's database lock until release(). */
export interface HeldDnfLock {
  pid: number;
  release(): Promise<void>;
}

/**
 * Holds dnf 4's RPMDB lock on the root the way a running dnf transaction does: dnf's own
 * `dnf.lock.build_rpmdb_lock(persistdir)` (the pid file ROOT/var/lib/dnf/rpmdb_lock.pid, written under
 * a brief flock and naming the live holder, which every other dnf then waits for), entered by a
 * python3 process that keeps it until it is killed. Run as root, so dnf does not move the lock to a
 * per-user directory.
 */
export async function holdDnfLock(root: string): Promise<HeldDnfLock> {
  const script =
    'import sys, dnf.lock\n' +
    'lock = dnf.lock.build_rpmdb_lock(sys.argv[1], True)\n' +
    'lock.__enter__()\n' +
    'print("locked", flush=True)\n' +
    'sys.stdin.read()\n';
  const child = spawn('/usr/bin/python3', ['-c', script, join(root, 'var/lib/dnf')], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the dnf lock holder exited with ${code}`)));
  });
  const exited = once(child, 'exit');
  return {
    pid: child.pid as number,
    async release() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function fingerprintTree(path: string, into: Record<string, string>, depth = 3): void {
  if (!existsSync(path)) {
    into[path] = 'missing';
    return;
  }
  const info = statSync(path);
  if (!info.isDirectory()) {
    into[path] = fingerprintFile(path);
    return;
  }
  if (depth === 0) return;
  // sqlite's shared-memory index changes on a mere read; only writes matter here.
  for (const entry of readdirSync(path).sort()) {
    if (!entry.endsWith('-shm')) fingerprintTree(join(path, entry), into, depth - 1);
  }
}

/** Hashes of the host's rpm and dnf state: /var/lib/rpm, ~/.rpmdb, /var/lib/dnf, /var/cache/dnf, /etc/dnf/dnf.conf, /var/log/dnf*. */
export function hostRpmState(): Record<string, string> {
  const state: Record<string, string> = {};
  for (const path of ['/var/lib/rpm', join(homedir(), '.rpmdb'), '/var/lib/dnf', '/var/cache/dnf', '/etc/dnf/dnf.conf']) {
    fingerprintTree(path, state);
  }
  for (const entry of existsSync('/var/log') ? readdirSync('/var/log') : []) {
    if (entry.startsWith('dnf') || entry === 'hawkey.log') fingerprintTree(join('/var/log', entry), state);
  }
  return state;
}
