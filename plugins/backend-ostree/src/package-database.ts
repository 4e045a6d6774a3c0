import { access, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDpkgStatus } from '@linux-patch-api/backend-apt';
import type { CommandRunner, InstalledPackage } from '@linux-patch-api/core';
import { parseRpmQuery, RPM_QUERY_FORMAT } from '@linux-patch-api/rpm-common';
import type { OstreeCli } from './ostree-cli.js';

export type DatabaseKind = 'dpkg' | 'rpm';

/**
 * Where images keep their package database, in the order they are tried. dpkg-based images move
 * `/var/lib/dpkg` under `/usr` (deploy ignores a commit's `/var`): apt-ostree and Endless use
 * `usr/lib/dpkg/status`, others `usr/share/dpkg/database/status`; rpm-ostree images keep the
 * rpmdb in `usr/share/rpm` (older) or `usr/lib/sysimage/rpm` (Fedora 36 and later).
 */
export const DPKG_STATUS_FILES = ['usr/lib/dpkg/status', 'usr/share/dpkg/database/status'] as const;
export const RPMDB_DIRECTORIES = ['usr/lib/sysimage/rpm', 'usr/share/rpm'] as const;
/** The subpaths a refresh pulls of a new commit, so that its packages can be compared without the whole tree. */
export const DATABASE_SUBPATHS = [...DPKG_STATUS_FILES, ...RPMDB_DIRECTORIES].map((path) => `/${path}`);

export const RPM = '/usr/bin/rpm';

export interface PackageSet {
  kind: DatabaseKind;
  /** The location inside the tree it was read from, e.g. `usr/lib/dpkg/status`. */
  location: string;
  packages: InstalledPackage[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readRpmDatabase(
  runner: CommandRunner,
  directory: string,
  signal?: AbortSignal,
): Promise<InstalledPackage[] | null> {
  const result = await runner.run({
    file: RPM,
    args: [`--dbpath=${directory}`, '-qa', '--queryformat', RPM_QUERY_FORMAT],
    timeoutMs: 60_000,
    ...(signal ? { signal } : {}),
  });
  if (result.exitCode !== 0) return null;
  return parseRpmQuery(result.stdout).map(({ installTime: _time, ...pkg }) => pkg);
}

/** Runs `read` on a scratch directory that is removed afterwards. */
async function withScratch<T>(scratch: string, read: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(scratch, 'rpmdb-'));
  try {
    return await read(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The package database of a checked-out tree (a deployment directory); null when it has none.
 * An rpmdb is queried on a copy: a deployment's files are hard links into the repository's
 * objects, and sqlite writes beside a database it opens.
 */
export async function readTreePackages(
  runner: CommandRunner,
  tree: string,
  scratch: string,
  signal?: AbortSignal,
): Promise<PackageSet | null> {
  for (const location of DPKG_STATUS_FILES) {
    const text = await readFile(join(tree, location), 'utf8').catch(() => null);
    if (text !== null) return { kind: 'dpkg', location, packages: parseDpkgStatus(text) };
  }
  for (const location of RPMDB_DIRECTORIES) {
    if (!(await exists(join(tree, location)))) continue;
    const packages = await withScratch(scratch, async (dir) => {
      await cp(join(tree, location), join(dir, 'rpm'), { recursive: true, dereference: false });
      return readRpmDatabase(runner, join(dir, 'rpm'), signal);
    });
    if (packages !== null) return { kind: 'rpm', location, packages };
  }
  return null;
}

/**
 * The package database of a commit in the repository, read without checking the tree out: the
 * dpkg status file with `ostree cat`, an rpmdb by checking out only its directory into `scratch`.
 * null when the commit has none or its content is not pulled.
 */
export async function readCommitPackages(
  cli: OstreeCli,
  runner: CommandRunner,
  rev: string,
  scratch: string,
  signal?: AbortSignal,
): Promise<PackageSet | null> {
  for (const location of DPKG_STATUS_FILES) {
    const result = await cli.run(cli.repoArgs('cat', [rev, `/${location}`]), signal);
    if (result.exitCode === 0) return { kind: 'dpkg', location, packages: parseDpkgStatus(result.stdout) };
  }
  for (const location of RPMDB_DIRECTORIES) {
    const listed = await cli.run(cli.repoArgs('ls', [rev, `/${location}`]), signal);
    if (listed.exitCode !== 0) continue;
    const packages = await withScratch(scratch, async (dir) => {
      const target = join(dir, 'rpm');
      // Copies, not hard links into the repository: rpm's sqlite writes beside the database.
      const checkout = await cli.run(
        cli.repoArgs('checkout', ['-U', '--force-copy', `--subpath=/${location}`, rev, target]),
        signal,
      );
      return checkout.exitCode === 0 ? readRpmDatabase(runner, target, signal) : null;
    });
    if (packages !== null) return { kind: 'rpm', location, packages };
  }
  return null;
}
