import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CommandRunner,
  InstalledPackage,
  ObtainedPackageFile,
  OperationContext,
  OperationOutput,
  RollbackFiles,
} from '@linux-patch-api/core';

const APT_GET = '/usr/bin/apt-get';
const APT_CACHE = '/usr/bin/apt-cache';
const DPKG_REPACK = '/usr/bin/dpkg-repack';
const READ_TIMEOUT_MS = 120_000;

/** apt writes an epoch's colon as %3a in archive file names. */
export function archiveFileName(name: string, version: string, architecture: string): string {
  return `${name}_${version.replace(/:/g, '%3a')}_${architecture}.deb`;
}

export interface AptRollbackFilesOptions {
  root: string | null;
  archivesDir: string;
  runner: CommandRunner;
  env: Record<string, string>;
  install(paths: readonly string[], ctx: OperationContext): Promise<OperationOutput>;
}

/**
 * The installed version's .deb, in this order: apt's archive cache under the root, `apt-get
 * download name=version` while the repository still has it (with the root's APT_CONFIG), and
 * `dpkg-repack` of the installed files (a rebuilt package: same files and maintainer scripts, not
 * the original signature-bearing archive).
 */
export class AptRollbackFiles implements RollbackFiles {
  constructor(private readonly options: AptRollbackFilesOptions) {}

  async obtainInstalled(pkg: InstalledPackage, directory: string, signal: AbortSignal): Promise<ObtainedPackageFile | null> {
    const cached = await this.cached(pkg.name, pkg.version, pkg.architecture);
    if (cached !== null) {
      const path = join(directory, cached);
      await copyFile(join(this.options.archivesDir, cached), path);
      return { path, via: 'cache' };
    }
    const spec = `${pkg.name}=${pkg.version}`;
    const download = await this.run(APT_GET, ['download', '-q', '--', spec], directory, signal);
    if (download === 0) {
      const file = await this.newestDeb(directory, pkg.name);
      if (file !== null) return { path: join(directory, file), via: 'download' };
    }
    const rootArgs = this.options.root === null ? [] : [`--root=${this.options.root}`];
    const repack = await this.run(DPKG_REPACK, [...rootArgs, '--', pkg.name], directory, signal);
    if (repack === 0) {
      const file = await this.newestDeb(directory, pkg.name);
      if (file !== null) return { path: join(directory, file), via: 'rebuild' };
    }
    return null;
  }

  async availability(name: string, version: string, signal?: AbortSignal): Promise<'cache' | 'repo' | 'none'> {
    // An archive in apt's cache that no index lists cannot be installed by name=version: only the
    // repository counts here (the store, asked before, holds what the cache had).
    const result = await this.options.runner.run({
      file: APT_CACHE,
      // madison lists the versions the repositories offer (not dpkg's status), one per line.
      args: ['madison', '-o', 'Debug::NoLocking=1', '--', name],
      env: this.options.env,
      timeoutMs: READ_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    if (result.exitCode !== 0) return 'none';
    const offered = result.stdout.split('\n').some((line) => {
      const [listed, listedVersion] = line.split('|').map((field) => field.trim());
      return listed === name && listedVersion === version;
    });
    return offered ? 'repo' : 'none';
  }

  installFiles(paths: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    return this.options.install(paths, ctx);
  }

  /** The archive file of this version in apt's cache. */
  private async cached(name: string, version: string, architecture: string | null): Promise<string | null> {
    let files: string[];
    try {
      files = await readdir(this.options.archivesDir);
    } catch {
      return null;
    }
    const prefix = archiveFileName(name, version, '').replace(/\.deb$/, '');
    return (
      files.find((file) =>
        architecture === null
          ? file.startsWith(prefix) && file.endsWith('.deb')
          : file === archiveFileName(name, version, architecture),
      ) ?? null
    );
  }

  private async newestDeb(directory: string, name: string): Promise<string | null> {
    const files = await readdir(directory);
    return files.find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb')) ?? null;
  }

  private async run(file: string, args: readonly string[], cwd: string, signal: AbortSignal): Promise<number | null> {
    const result = await this.options.runner.run({ file, args, cwd, env: this.options.env, signal, timeoutMs: READ_TIMEOUT_MS });
    return result.exitCode;
  }
}
