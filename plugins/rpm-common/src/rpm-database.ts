import { join } from 'node:path';
import type { CommandRunner, InstalledPackage } from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';
import { treeFingerprint } from './file-fingerprint.js';
import { formatEvr } from './rpm-version.js';

/** One row of `rpm -qa`, with what reboot detection needs besides the API fields. */
export interface RpmPackage extends InstalledPackage {
  /** Seconds since the epoch. */
  installTime: number;
}

export interface RpmDatabaseOptions {
  runner: CommandRunner;
  rpmPath: string;
  /** null = the running system. */
  root: string | null;
  /** The database directory inside the root. */
  dbPath: string;
  /** Environment for rpm (HOME holding `.rpmmacros`, see the backend). */
  env: Readonly<Record<string, string>>;
}

/** Files a mere read updates (sqlite's shared-memory index, Berkeley DB environment and lock files). */
export const READ_TOUCHED = /(-shm$|^__db\.|\.lock$)/;

const FIELD_SEPARATOR = '\x1f';
export const RPM_QUERY_FORMAT = [
  '%{NAME}',
  '%{EPOCH}',
  '%{VERSION}',
  '%{RELEASE}',
  '%{ARCH}',
  '%{SIZE}',
  '%{INSTALLTIME}',
  '%{SUMMARY}',
]
  .join(FIELD_SEPARATOR)
  .concat('\\n');

/** Parses the output of `rpm -qa --queryformat RPM_QUERY_FORMAT`. gpg-pubkey entries are keys, not packages. */
export function parseRpmQuery(output: string): RpmPackage[] {
  const packages: RpmPackage[] = [];
  for (const line of output.split('\n')) {
    if (line.length === 0) continue;
    const [name, epoch, version, release, arch, size, installTime, summary] = line.split(FIELD_SEPARATOR);
    if (name === undefined || version === undefined || release === undefined || name === 'gpg-pubkey') continue;
    const bytes = Number(size);
    packages.push({
      name,
      version: formatEvr(epoch ?? null, version, release),
      architecture: arch === undefined || arch === '(none)' ? null : arch,
      status: 'installed',
      description: summary === undefined || summary === '(none)' ? null : summary,
      installed_size: Number.isFinite(bytes) && size !== '(none)' ? bytes : null,
      installTime: Number(installTime) || 0,
    });
  }
  return packages.sort((a, b) => codeUnitOrder(a.name, b.name) || codeUnitOrder(a.architecture ?? '', b.architecture ?? ''));
}

/**
 * Reads the installed set with one `rpm -qa`, cached until a file of the database changes
 * (size or mtime), so repeated reads between transactions start no process.
 */
export class RpmDatabase {
  private cached: { key: string; packages: RpmPackage[] } | null = null;

  constructor(private readonly options: RpmDatabaseOptions) {}

  /** The database directory as seen from the host. */
  get directory(): string {
    return join(this.options.root ?? '/', this.options.dbPath);
  }

  rootArgs(): string[] {
    return this.options.root === null ? [] : ['--root', this.options.root, '--dbpath', this.options.dbPath];
  }

  async list(signal?: AbortSignal): Promise<RpmPackage[]> {
    const key = this.fingerprint();
    if (key !== null && this.cached?.key === key) return this.cached.packages;
    const result = await this.options.runner.run({
      file: this.options.rpmPath,
      args: ['-qa', ...this.rootArgs(), '--queryformat', RPM_QUERY_FORMAT],
      env: this.options.env,
      timeoutMs: 120_000,
      ...(signal ? { signal } : {}),
    });
    if (result.exitCode !== 0) {
      throw new LpaError('LPA_ERR_BACKEND', 'rpm could not read the package database', {
        details: { exitCode: result.exitCode, stderr: result.stderr.slice(-2000) },
      });
    }
    const packages = parseRpmQuery(result.stdout);
    if (key !== null) this.cached = { key, packages };
    return packages;
  }

  /**
   * The files each installed package owns (`rpm -ql`, with the package's name on every line so one
   * process answers for all names). Names not installed are absent.
   */
  async files(names: readonly string[], signal?: AbortSignal): Promise<Map<string, string[]>> {
    const files = new Map<string, string[]>();
    if (names.length === 0) return files;
    const result = await this.options.runner.run({
      file: this.options.rpmPath,
      args: ['-q', ...this.rootArgs(), '--queryformat', `[%{=NAME}${FIELD_SEPARATOR}%{FILENAMES}\n]`, '--', ...names],
      env: this.options.env,
      timeoutMs: 120_000,
      ...(signal ? { signal } : {}),
    });
    // rpm exits non-zero when some name is not installed and says so in a line without the separator.
    for (const line of result.stdout.split('\n')) {
      const [name, path] = line.split(FIELD_SEPARATOR);
      if (name === undefined || path === undefined || !path.startsWith('/')) continue;
      files.set(name, [...(files.get(name) ?? []), path]);
    }
    return files;
  }

  /** Names, sizes and mtimes of the database files a write changes; null when the directory cannot be read. */
  private fingerprint(): string | null {
    const key = treeFingerprint([this.directory], 1, READ_TOUCHED);
    return key.endsWith(':-') || key.endsWith(':?') ? null : key;
  }
}

/** rpm's own order (code units); locale-aware comparison is slower and orders differently. */
function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
