import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CommandResult,
  InstalledPackage,
  ObtainedPackageFile,
  OperationContext,
  OperationOutput,
  RollbackFiles,
} from '@linux-patch-api/core';
import { findDirs } from './find-dirs.js';
import { parsePackageList } from './package-list.js';
import { pinnedSpec } from './rpm-names.js';
import { compareEvr, parseEvr } from './rpm-version.js';

/** What rpm -qp reads from a package file. */
export interface RpmFileHeader {
  name: string;
  /** `[epoch:]version-release`, as the installed set shows it. */
  version: string;
}

export interface RpmRollbackFilesOptions {
  root: string | null;
  /** Runs dnf/yum with the root's configuration; it may fetch metadata and packages. */
  fetch(args: string[], signal: AbortSignal): Promise<CommandResult>;
  /** Runs dnf/yum from the index as last refreshed. */
  read(args: string[], signal?: AbortSignal): Promise<CommandResult>;
  /** The header of a package file (rpm -qp); null when rpm cannot read it. */
  readHeader(path: string, signal?: AbortSignal): Promise<RpmFileHeader | null>;
  install(paths: readonly string[], ctx: OperationContext): Promise<OperationOutput>;
}

/** dnf keeps packages in CACHEDIR/<repo>-<hash>/packages, yum 3 in CACHEDIR/<basearch>/<releasever>/<repo>/packages. */
const CACHE_DIRS = ['var/cache/dnf', 'var/cache/yum'];
const CACHE_DEPTH = 4;

/**
 * The installed version's .rpm for the rollback store, in this order: the package cache under the
 * root (only filled with `keepcache=1`; dnf never copies packages of a local `file://` repository
 * there), then `reinstall --downloadonly --downloaddir` of that exact version while a repository
 * still offers it (core dnf 4 and EL7 yum, no `download` plugin needed; from a local repository
 * dnf copies the file). rpm has no counterpart of dpkg-repack in the base tools, so a version no
 * repository offers any more is not kept (see the README).
 */
export class RpmRollbackFiles implements RollbackFiles {
  constructor(private readonly options: RpmRollbackFilesOptions) {}

  async obtainInstalled(pkg: InstalledPackage, directory: string, signal: AbortSignal): Promise<ObtainedPackageFile | null> {
    const cached = await this.cached(pkg, signal);
    if (cached !== null) {
      const path = join(directory, cached.slice(cached.lastIndexOf('/') + 1));
      await copyFile(cached, path);
      return { path, via: 'cache' };
    }
    const spec = `${pinnedSpec(pkg.name, pkg.version)}${pkg.architecture === null ? '' : `.${pkg.architecture}`}`;
    const result = await this.options.fetch(
      ['-y', 'reinstall', '--downloadonly', `--downloaddir=${directory}`, '--', spec],
      signal,
    );
    if (result.exitCode !== 0) return null;
    for (const file of await readdir(directory)) {
      if (!file.endsWith('.rpm')) continue;
      const path = join(directory, file);
      if (await this.isVersion(path, pkg, signal)) return { path, via: 'download' };
    }
    return null;
  }

  /**
   * Only a repository counts: a file in the package cache that no repository lists cannot be
   * installed by name and version (the store, asked before, holds what the cache had).
   */
  async availability(name: string, version: string, signal?: AbortSignal): Promise<'cache' | 'repo' | 'none'> {
    const result = await this.options.read(['-q', 'list', '--showduplicates', '--', name], signal);
    if (result.exitCode !== 0) return 'none';
    const rows = parsePackageList(
      result.stdout
        .split('\n')
        .filter((line) => !/^(Installed|Available) Packages/.test(line))
        .join('\n'),
    );
    // Installed rows name the repository with a leading @ (or `installed` in yum 3).
    const offered = rows.some(
      (row) =>
        row.name === name &&
        !row.repository.startsWith('@') &&
        row.repository !== 'installed' &&
        compareEvr(row.evr, version) === 0,
    );
    return offered ? 'repo' : 'none';
  }

  installFiles(paths: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    return this.options.install(paths, ctx);
  }

  /** The cached file of this exact version, checked against its header (the file name carries no epoch). */
  private async cached(pkg: InstalledPackage, signal: AbortSignal): Promise<string | null> {
    const { version, release } = parseEvr(pkg.version);
    const arch = pkg.architecture === null ? '' : `.${pkg.architecture}`;
    const wanted = `${pkg.name}-${version}-${release ?? ''}${arch}.rpm`;
    for (const cacheDir of CACHE_DIRS) {
      for (const packages of await findDirs(join(this.options.root ?? '/', cacheDir), 'packages', CACHE_DEPTH)) {
        const files = await readdir(packages).catch(() => [] as string[]);
        if (!files.includes(wanted)) continue;
        const path = join(packages, wanted);
        if (await this.isVersion(path, pkg, signal)) return path;
      }
    }
    return null;
  }

  private async isVersion(path: string, pkg: InstalledPackage, signal: AbortSignal): Promise<boolean> {
    const header = await this.options.readHeader(path, signal);
    return header !== null && header.name === pkg.name && compareEvr(header.version, pkg.version) === 0;
  }
}
