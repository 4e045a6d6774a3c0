/**
 * Real apt/dpkg on throw-away roots: builds the fixture .debs once per test process, publishes
 * them as two local repositories (a main one and a `stable-security` one), and creates sandbox
 * roots whose apt reads only the root's own configuration (see APT_CONFIG below).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { addShell, makeSandboxDir, removeSandboxDir, runTool } from './common.js';

export const HELLO = 'lpa-fixture-hello';
export const DEP = 'lpa-fixture-dep';
export const SEC = 'lpa-fixture-sec';
/** Its first postinst run writes ROOT/var/lib/lpa-fixture-slow.started, then sleeps 120 s (needs `withShell`). */
export const SLOW = 'lpa-fixture-slow';
export const SLOW_STARTED_MARKER = 'var/lib/lpa-fixture-slow.started';

/** Slow the first time only, so `dpkg --configure -a` after an interruption finishes at once. */
const SLOW_POSTINST = `#!/bin/sh
if [ -e /${SLOW_STARTED_MARKER} ]; then exit 0; fi
: > /${SLOW_STARTED_MARKER}
sleep 120
`;

export interface FixtureDeb {
  name: string;
  version: string;
  depends?: string;
  postinst?: string;
  /** More control fields, copied into the index by dpkg-scanpackages (e.g. `Phased-Update-Percentage`). */
  fields?: Readonly<Record<string, string>>;
  /** More files the package ships: path inside the root (no leading slash) → content. */
  files?: Readonly<Record<string, string | Uint8Array>>;
  repo: 'main' | 'security';
}

const FIXTURES: readonly FixtureDeb[] = [
  { name: HELLO, version: '1.0-1', repo: 'main' },
  { name: HELLO, version: '1.1-1', depends: `${DEP} (>= 1.0)`, repo: 'main' },
  { name: DEP, version: '1.0-1', repo: 'main' },
  { name: SEC, version: '1.0-1', repo: 'main' },
  { name: SEC, version: '1.1-1', repo: 'security' },
  { name: SLOW, version: '1.0-1', postinst: SLOW_POSTINST, repo: 'main' },
];

export interface AptRepos {
  /** `Suite: stable`, `Label: LpaFixtures`. */
  main: string;
  /** `Suite: stable-security`, `Label: Debian-Security`. */
  security: string;
}

let repos: Promise<AptRepos> | undefined;

/** The fixture repositories, built on first use and shared by every sandbox of this process. */
export function aptFixtureRepos(): Promise<AptRepos> {
  repos ??= buildRepos();
  return repos;
}

async function buildDeb(fixture: FixtureDeb, buildDir: string, repoDir: string): Promise<void> {
  const tree = join(buildDir, `${fixture.name}_${fixture.version}`);
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await mkdir(join(tree, 'usr/share', fixture.name), { recursive: true });
  await writeFile(join(tree, 'usr/share', fixture.name, 'VERSION'), `${fixture.version}\n`);
  for (const [path, content] of Object.entries(fixture.files ?? {})) {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), content);
  }
  const control = [
    `Package: ${fixture.name}`,
    `Version: ${fixture.version}`,
    'Architecture: all',
    'Maintainer: linux-patch-api tests <tests@example.invalid>',
    ...(fixture.depends ? [`Depends: ${fixture.depends}`] : []),
    ...Object.entries(fixture.fields ?? {}).map(([field, value]) => `${field}: ${value}`),
    'Installed-Size: 8',
    `Description: linux-patch-api test fixture ${fixture.name}`,
    ' Built by the test harness; installs one file under /usr/share.',
    '',
  ].join('\n');
  await writeFile(join(tree, 'DEBIAN/control'), control);
  if (fixture.postinst) {
    await writeFile(join(tree, 'DEBIAN/postinst'), fixture.postinst);
    await chmod(join(tree, 'DEBIAN/postinst'), 0o755);
  }
  await runTool('/usr/bin/dpkg-deb', [
    '-Zgzip',
    '-z1',
    '--root-owner-group',
    '--build',
    tree,
    join(repoDir, `${fixture.name}_${fixture.version}_all.deb`),
  ]);
}

async function indexRepo(repoDir: string, suite: string, label: string): Promise<void> {
  const { stdout: packages } = await runTool('/usr/bin/dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], {
    cwd: repoDir,
  });
  await writeFile(join(repoDir, 'Packages'), packages);
  const { stdout: release } = await runTool(
    '/usr/bin/apt-ftparchive',
    [
      '-o',
      `APT::FTPArchive::Release::Suite=${suite}`,
      '-o',
      `APT::FTPArchive::Release::Label=${label}`,
      '-o',
      `APT::FTPArchive::Release::Origin=${label}`,
      'release',
      '.',
    ],
    { cwd: repoDir },
  );
  // Written after the listing so Release does not list itself.
  await writeFile(join(repoDir, 'Release'), release);
}

async function buildRepos(): Promise<AptRepos> {
  const dir = makeSandboxDir('apt-fixtures');
  const built: AptRepos = { main: join(dir, 'repo-main'), security: join(dir, 'repo-security') };
  await mkdir(built.main, { recursive: true });
  await mkdir(built.security, { recursive: true });
  await Promise.all(
    FIXTURES.map((fixture) => buildDeb(fixture, join(dir, 'build'), fixture.repo === 'main' ? built.main : built.security)),
  );
  await indexRepo(built.main, 'stable', 'LpaFixtures');
  await indexRepo(built.security, 'stable-security', 'Debian-Security');
  return built;
}

/**
 * Rebuilds the main fixture repository without this version, as a mirror does once an update
 * supersedes it (shared by every sandbox of this process; sandboxes see it after apt-get update).
 */
export async function withdrawFromMainRepo(name: string, version: string): Promise<void> {
  const { main } = await aptFixtureRepos();
  await rm(join(main, `${name}_${version}_all.deb`), { force: true });
  await indexRepo(main, 'stable', 'LpaFixtures');
}

/**
 * Publishes more package versions to this sandbox only: a new repository under the sandbox with
 * these packages, added to the root's sources. apt sees them after the next `apt-get update`.
 * `security: true` publishes them as the security archive does (`Suite: stable-security`).
 */
export async function publishAptPackages(
  sandbox: AptSandbox,
  packages: readonly Omit<FixtureDeb, 'repo'>[],
  options: { security?: boolean } = {},
): Promise<void> {
  const repoDir = join(sandbox.dir, `repo-extra-${Date.now()}`);
  await mkdir(repoDir, { recursive: true });
  const repo = options.security ? 'security' : 'main';
  for (const fixture of packages) await buildDeb({ ...fixture, repo }, join(sandbox.dir, 'build-extra'), repoDir);
  if (options.security) await indexRepo(repoDir, 'stable-security', 'Debian-Security');
  else await indexRepo(repoDir, 'stable', 'LpaFixtures');
  await writeFile(
    join(sandbox.root, 'etc/apt/sources.list.d', `${basename(repoDir)}.list`),
    `deb [trusted=yes] file:${repoDir} ./\n`,
  );
}

export interface AptSandboxOptions {
  /** Run `apt-get update` on the new root (default true). */
  update?: boolean;
  /** Install these (`name` or `name=version`) right away, with apt directly. */
  install?: readonly string[];
  /** Put a minimal /bin/sh and /bin/sleep in the root, so maintainer scripts can run (dpkg chroots into --root). */
  withShell?: boolean;
}

export interface AptSandbox {
  /** The sandbox directory (holds the root, the agent's state, …). */
  dir: string;
  /** The root file system apt and dpkg work on. */
  root: string;
  repos: AptRepos;
  /** The APT_CONFIG file confining apt to the root, for running apt directly in tests. */
  aptConfig: string;
  /** Environment for apt-get / apt on this root. */
  env: Record<string, string>;
  /** apt-get with this root's configuration; rejects on a non-zero exit. */
  aptGet(args: readonly string[]): Promise<string>;
  /** `dpkg-query -W` on this root: name → version. */
  dpkgQuery(): Promise<Map<string, string>>;
  /** `dpkg --audit` output on this root (empty = consistent). */
  dpkgAudit(): Promise<string>;
  dispose(): void;
}

export async function createAptSandbox(options: AptSandboxOptions = {}): Promise<AptSandbox> {
  const fixtureRepos = await aptFixtureRepos();
  const dir = makeSandboxDir('apt');
  const root = join(dir, 'root');
  for (const path of [
    'etc/apt/apt.conf.d',
    'etc/apt/preferences.d',
    'etc/apt/sources.list.d',
    'etc/apt/trusted.gpg.d',
    'var/lib/apt/lists/partial',
    'var/cache/apt/archives/partial',
    'var/log/apt',
    'var/lib/dpkg/info',
    'var/lib/dpkg/updates',
    'var/lib/dpkg/triggers',
    'var/run',
  ]) {
    await mkdir(join(root, path), { recursive: true });
  }
  await writeFile(join(root, 'var/lib/dpkg/status'), '');
  await writeFile(join(root, 'var/lib/dpkg/available'), '');
  await writeFile(
    join(root, 'etc/apt/sources.list'),
    `deb [trusted=yes] file:${fixtureRepos.main} ./\ndeb [trusted=yes] file:${fixtureRepos.security} ./\n`,
  );
  if (options.withShell) await addShell(root);

  const aptConfig = join(dir, 'apt.conf');
  await writeFile(
    aptConfig,
    [
      `Dir "${root}/";`,
      `Dir::State::status "${root}/var/lib/dpkg/status";`,
      `Dir::Etc "${root}/etc/apt/";`,
      `DPkg::Options { "--root=${root}"; "--log=${root}/var/log/dpkg.log"; };`,
      'Acquire::Languages "none";',
      'Dpkg::Use-Pty "0";',
      '',
    ].join('\n'),
  );
  const env = { APT_CONFIG: aptConfig, DEBIAN_FRONTEND: 'noninteractive' };
  const sandbox: AptSandbox = {
    dir,
    root,
    repos: fixtureRepos,
    aptConfig,
    env,
    async aptGet(args) {
      const { stdout, stderr } = await runTool('/usr/bin/apt-get', args, { env });
      return stdout + stderr;
    },
    async dpkgQuery() {
      const { stdout } = await runTool('/usr/bin/dpkg-query', [
        `--admindir=${root}/var/lib/dpkg`,
        '-W',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
        '-f=${Package}\t${Version}\n',
      ]);
      const installed = new Map<string, string>();
      for (const line of stdout.split('\n')) {
        const [name, version] = line.split('\t');
        if (name && version !== undefined) installed.set(name, version);
      }
      return installed;
    },
    async dpkgAudit() {
      const { stdout, stderr } = await runTool('/usr/bin/dpkg', [`--root=${root}`, `--log=${root}/var/log/dpkg.log`, '--audit']);
      return stdout + stderr;
    },
    dispose() {
      removeSandboxDir(dir);
    },
  };
  if (options.update !== false) await sandbox.aptGet(['-q', 'update']);
  if (options.install && options.install.length > 0) await sandbox.aptGet(['-y', '-q', 'install', '--', ...options.install]);
  return sandbox;
}

export interface HeldLock {
  pid: number;
  release(): Promise<void>;
}

/**
 * Holds an fcntl write lock on `path` from another process, the way apt and dpkg lock (flock(1)
 * would not stop them). Perl is Essential on Debian; the struct flock layout is the LP64 one.
 */
export async function holdFcntlLock(path: string): Promise<HeldLock> {
  const script =
    'use Fcntl; open(my $f, ">>", $ARGV[0]) or die "open: $!"; ' +
    'my $lock = pack("s s x4 q q l x4", F_WRLCK, 0, 0, 0, 0); fcntl($f, F_SETLKW, $lock) or die "lock: $!"; ' +
    '$| = 1; print "locked\\n"; sleep 600;';
  const child = spawn('/usr/bin/perl', ['-e', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  const exited = once(child, 'exit');
  return {
    pid: child.pid!,
    async release() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
