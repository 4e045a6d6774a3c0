import { readFile, stat } from 'node:fs/promises';
import type { InstalledPackage } from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';
import { parseDpkgStatus } from './dpkg-status.js';

/** Identifies one state of a file: a rewrite (dpkg renames status-new over status) changes it. */
export async function fileIdentity(path: string): Promise<string> {
  try {
    const info = await stat(path, { bigint: true });
    return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`;
  } catch {
    return 'missing';
  }
}

/**
 * The installed set from dpkg's status file, parsed once and kept until the file changes
 * (inode, size or mtime), so listing packages costs a stat() when nothing was installed.
 */
export class InstalledSet {
  private cached: { identity: string; packages: InstalledPackage[]; byName: Map<string, InstalledPackage> } | null = null;

  constructor(readonly statusFile: string) {}

  async identity(): Promise<string> {
    return fileIdentity(this.statusFile);
  }

  async list(): Promise<InstalledPackage[]> {
    return (await this.load()).packages;
  }

  /** A package by name, or by `name:arch`. */
  async get(name: string): Promise<InstalledPackage | null> {
    return (await this.load()).byName.get(name) ?? null;
  }

  private async load() {
    const identity = await this.identity();
    if (this.cached && this.cached.identity === identity) return this.cached;
    let text: string;
    try {
      text = await readFile(this.statusFile, 'utf8');
    } catch (error) {
      throw new LpaError('LPA_ERR_BACKEND', `cannot read the dpkg status file ${this.statusFile}`, { cause: error });
    }
    // The file may have changed while it was read; key the cache on what was there before.
    const packages = parseDpkgStatus(text);
    const byName = new Map<string, InstalledPackage>();
    for (const pkg of packages) {
      byName.set(`${pkg.name}:${pkg.architecture}`, pkg);
      if (!byName.has(pkg.name)) byName.set(pkg.name, pkg);
    }
    this.cached = { identity, packages, byName };
    return this.cached;
  }
}
