/**
 * Real OSTree on throw-away sysroots (Debian's ostree 2022.7; see SANDBOX.md). Each sandbox holds:
 *
 *   repo/      an archive repository: `lpa/x86_64/prod` at 1.0 then 1.1, `lpa/x86_64/dev` at 2.0
 *   sysroot/   `admin init-fs` + `os-init lpaos`, remote `lpaos` → file://repo, prod 1.0 deployed
 *
 * Each commit is a tiny tree with what `ostree admin deploy` needs (a kernel and an initramfs under
 * usr/lib/modules, usr/etc/os-release) and a dpkg status file at usr/lib/dpkg/status. The sysroot
 * stands for a booted host: `run/ostree-booted` exists and `proc/cmdline` names the first deployment
 * with `ostree=`, as the boot loader would. Its top-level etc/os-release says Debian, so only the
 * OSTree marker can make the agent pick the ostree backend over apt.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandboxDir, removeSandboxDir, runTool } from './common.js';
import { buildFixtureRepo } from './dnf.js';

export const OSTREE = '/usr/bin/ostree';
export const OSNAME = 'lpaos';
export const REMOTE = 'lpaos';
export const PROD = 'lpa/x86_64/prod';
export const DEV = 'lpa/x86_64/dev';
export const HELLO = 'lpa-fixture-hello';
export const DEP = 'lpa-fixture-dep';
export const DEVTOOL = 'lpa-fixture-devtool';

interface ImagePackage {
  name: string;
  version: string;
}

interface ImageCommit {
  ref: string;
  version: string;
  timestamp: string;
  packages: readonly ImagePackage[];
}

/** The commits of the repository, in the order they are made. */
export const COMMITS = {
  prod1: {
    ref: PROD,
    version: '1.0',
    timestamp: '2024-01-01T00:00:00Z',
    packages: [
      { name: 'base-files', version: '12.4' },
      { name: HELLO, version: '1.0-1' },
    ],
  },
  dev: {
    ref: DEV,
    version: '2.0',
    timestamp: '2024-01-03T00:00:00Z',
    packages: [
      { name: 'base-files', version: '13' },
      { name: DEP, version: '1.0-1' },
      { name: DEVTOOL, version: '0.1-1' },
      { name: HELLO, version: '1.1-1' },
    ],
  },
  prod2: {
    ref: PROD,
    version: '1.1',
    timestamp: '2024-01-02T00:00:00Z',
    packages: [
      { name: 'base-files', version: '12.4' },
      { name: DEP, version: '1.0-1' },
      { name: HELLO, version: '1.1-1' },
    ],
  },
} as const satisfies Record<string, ImageCommit>;

export interface OstreeSandboxOptions {
  /** Commit prod 1.1 when the sandbox is made (default true); otherwise call publishProdUpdate(). */
  publishUpdate?: boolean;
  /** Write run/ostree-booted (default true). */
  booted?: boolean;
  /**
   * The package database each commit carries: a dpkg status file at usr/lib/dpkg/status (default),
   * or an rpmdb at usr/lib/sysimage/rpm made by rpm from the dnf fixture packages (hello and dep
   * only; the other packages of a commit have no rpm).
   */
  packageDatabase?: 'dpkg' | 'rpm';
}

/** The rpm fixtures the rpm-based commits are made of (see ./dnf.ts). */
const RPM_FIXTURES = [
  { name: HELLO, version: '1.0', release: '1' },
  { name: HELLO, version: '1.1', release: '1' },
  { name: DEP, version: '1.0', release: '1' },
];

/** An rpmdb holding `packages` (those with a fixture rpm), as an rpm-based image carries it. */
async function writeRpmDatabase(tree: string, packages: readonly ImagePackage[], rpms: string): Promise<void> {
  const dbpath = join(tree, 'usr/lib/sysimage/rpm');
  await mkdir(dbpath, { recursive: true });
  await runTool('/usr/bin/rpm', [`--dbpath=${dbpath}`, '--initdb']);
  const files = packages
    .filter((pkg) =>
      RPM_FIXTURES.some((fixture) => fixture.name === pkg.name && `${fixture.version}-${fixture.release}` === pkg.version),
    )
    .map((pkg) => join(rpms, `${pkg.name}-${pkg.version}.noarch.rpm`));
  await runTool('/usr/bin/rpm', [`--dbpath=${dbpath}`, '-i', '--justdb', '--nodeps', '--noscripts', '--notriggers', ...files]);
}

export interface OstreeSandbox {
  dir: string;
  /** The sysroot: what `backend.root` points at. */
  root: string;
  repo: string;
  /** Checksums of the commits made so far. */
  checksums: Partial<Record<keyof typeof COMMITS, string>>;
  /** Commits prod 1.1 (when the sandbox was made without it). */
  publishProdUpdate(): Promise<string>;
  /** `ostree admin status` of the sysroot, as ostree prints it. */
  status(): Promise<string>;
  /** The sysroot's deployments in boot order (the first is the default), read from `ostree admin status`. */
  deployments(): Promise<SysrootDeploymentLine[]>;
  /** `ostree ARGS`. */
  ostree(args: readonly string[]): Promise<string>;
  /**
   * Every file of the sysroot with its size, except the system repository (which a refresh fills):
   * deployments, boot entries, origins, /var. Proves a dry run or a vetoed job deployed nothing.
   */
  snapshot(): Promise<string[]>;
  dispose(): void;
}

export interface SysrootDeploymentLine {
  checksum: string;
  version: string | null;
  origin: string | null;
}

function parseAdminStatus(text: string): SysrootDeploymentLine[] {
  const deployments: SysrootDeploymentLine[] = [];
  for (const line of text.split('\n')) {
    const head = /^[* ] \S+ ([0-9a-f]{64})\.\d+/.exec(line);
    if (head) deployments.push({ checksum: head[1]!, version: null, origin: null });
    const current = deployments.at(-1);
    if (current === undefined) continue;
    const version = /^\s+Version: (\S+)/.exec(line);
    if (version) current.version = version[1]!;
    const origin = /^\s+origin refspec: (\S+)/.exec(line);
    if (origin) current.origin = origin[1]!;
  }
  return deployments;
}

function dpkgStatus(packages: readonly ImagePackage[]): string {
  return packages
    .map((pkg) =>
      [
        `Package: ${pkg.name}`,
        'Status: install ok installed',
        'Priority: optional',
        'Architecture: all',
        `Version: ${pkg.version}`,
        `Description: linux-patch-api test fixture ${pkg.name}`,
        '',
      ].join('\n'),
    )
    .join('\n');
}

async function writeTree(dir: string, commit: ImageCommit, rpms: string | null): Promise<void> {
  const modules = join(dir, 'usr/lib/modules/6.1.0-lpa');
  await mkdir(modules, { recursive: true });
  await mkdir(join(dir, 'usr/etc'), { recursive: true });
  await writeFile(join(modules, 'vmlinuz'), 'not a kernel\n');
  await writeFile(join(modules, 'initramfs.img'), 'not an initramfs\n');
  const osRelease = `ID=debian\nNAME="LPA OS"\nVERSION_ID="${commit.version}"\nVARIANT_ID=lpaos\n`;
  await writeFile(join(dir, 'usr/lib/os-release'), osRelease);
  await writeFile(join(dir, 'usr/etc/os-release'), osRelease);
  if (rpms !== null) {
    await writeRpmDatabase(dir, commit.packages, rpms);
    return;
  }
  await mkdir(join(dir, 'usr/lib/dpkg'), { recursive: true });
  await writeFile(join(dir, 'usr/lib/dpkg/status'), dpkgStatus(commit.packages));
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const relative = join(prefix, entry.name);
    if (relative === 'ostree/repo') continue;
    if (entry.isDirectory()) out.push(`${relative}/`, ...(await listFiles(path, relative)));
    else if (entry.isSymbolicLink()) out.push(`${relative} -> link`);
    else out.push(`${relative} ${(await readFile(path)).length}`);
  }
  return out;
}

export async function createOstreeSandbox(options: OstreeSandboxOptions = {}): Promise<OstreeSandbox> {
  const dir = makeSandboxDir('ostree');
  const repo = join(dir, 'repo');
  const root = join(dir, 'sysroot');
  const ostree = async (args: readonly string[]) => (await runTool(OSTREE, args)).stdout;
  const checksums: OstreeSandbox['checksums'] = {};
  const rpms = options.packageDatabase === 'rpm' ? await buildFixtureRepo(join(dir, 'rpm-fixtures'), RPM_FIXTURES) : null;

  const commit = async (key: keyof typeof COMMITS): Promise<string> => {
    const spec = COMMITS[key];
    const tree = join(dir, 'trees', key);
    await writeTree(tree, spec, rpms);
    const checksum = (
      await ostree([
        'commit',
        `--repo=${repo}`,
        `--branch=${spec.ref}`,
        `--add-metadata-string=version=${spec.version}`,
        `--timestamp=${spec.timestamp}`,
        `--tree=dir=${tree}`,
      ])
    ).trim();
    checksums[key] = checksum;
    return checksum;
  };

  await ostree(['init', `--repo=${repo}`, '--mode=archive']);
  const first = await commit('prod1');
  await commit('dev');

  await mkdir(root);
  await ostree(['admin', 'init-fs', root]);
  await ostree(['admin', 'os-init', `--sysroot=${root}`, OSNAME]);
  await ostree(['remote', 'add', `--repo=${join(root, 'ostree/repo')}`, '--no-gpg-verify', REMOTE, `file://${repo}`]);
  await ostree(['pull', `--repo=${join(root, 'ostree/repo')}`, REMOTE, PROD]);
  await ostree(['admin', 'deploy', `--sysroot=${root}`, `--os=${OSNAME}`, `${REMOTE}:${PROD}`]);

  // What a boot of the first deployment leaves behind: the marker and the kernel command line.
  if (options.booted ?? true) await writeFile(join(root, 'run/ostree-booted'), '');
  await writeFile(join(root, 'proc/cmdline'), `root=LABEL=lpa rw ostree=/ostree/deploy/${OSNAME}/deploy/${first}.0\n`);
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/os-release'), 'ID=debian\nNAME="LPA OS"\nVERSION_ID="1.0"\n');

  if (options.publishUpdate ?? true) await commit('prod2');

  return {
    dir,
    root,
    repo,
    checksums,
    publishProdUpdate: () => commit('prod2'),
    status: () => ostree(['admin', 'status', `--sysroot=${root}`]),
    deployments: async () => parseAdminStatus(await ostree(['admin', 'status', `--sysroot=${root}`])),
    ostree,
    snapshot: () => listFiles(root),
    dispose() {
      // Deployment roots are immutable (chattr +i); lift it so that the directory can be removed.
      const deployDir = join(root, 'ostree/deploy', OSNAME, 'deploy');
      const deployments = existsSync(deployDir)
        ? readdirSync(deployDir)
            .filter((name) => /^[0-9a-f]{64}\.\d+$/.test(name))
            .map((name) => join(deployDir, name))
        : [];
      if (deployments.length > 0) spawnSync('/usr/bin/chattr', ['-i', ...deployments], { stdio: 'ignore' });
      removeSandboxDir(dir);
    },
  };
}
