import { statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InstalledPackage } from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';
import { parseDpkgHolds, parseDpkgStatus } from './dpkg-status.js';

/**
 * Identifies one state of a file: a rewrite (dpkg renames status-new over status) changes it.
 * The change time is part of it because no program can set it back: a rewrite in place that keeps
 * the size and restores the modification time (or lands in the same clock tick) still moves it.
 * Synchronous on purpose: one stat() takes microseconds, far less than a thread-pool round trip,
 * and this runs on every listing.
 */
export function fileIdentity(path: string): string {
  const info = statSync(path, { bigint: true, throwIfNoEntry: false });
  return info === undefined ? 'missing' : `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/**
 * The installed set from dpkg's status file plus its not yet merged journal (`updates/NNNN`,
 * which dpkg-query applies too: after an interrupted run the newest states are only there),
 * parsed once and kept until either changes (inode, size or mtime), so listing packages costs
 * two stat() calls when nothing was installed.
 */
export class InstalledSet {
  private cached: {
    identity: string;
    packages: InstalledPackage[];
    byName: Map<string, InstalledPackage>;
    holds: ReadonlySet<string>;
  } | null = null;

  private readonly updatesDir: string;

  constructor(readonly statusFile: string) {
    this.updatesDir = join(dirname(statusFile), 'updates');
  }

  identity(): string {
    return `${fileIdentity(this.statusFile)}|${fileIdentity(this.updatesDir)}`;
  }

  /** The parsed records are frozen and shared between calls; the array is the caller's. */
  async list(): Promise<readonly Readonly<InstalledPackage>[]> {
    return (await this.load()).packages;
  }

  /** A package by name, or by `name:arch`. */
  async get(name: string): Promise<InstalledPackage | null> {
    return (await this.load()).byName.get(name) ?? null;
  }

  /** The names whose dpkg selection is `hold`: apt keeps their updates back. */
  async holds(): Promise<ReadonlySet<string>> {
    return (await this.load()).holds;
  }

  private async load() {
    const identity = this.identity();
    if (this.cached && this.cached.identity === identity) return this.cached;
    let text: string;
    try {
      text = await readFile(this.statusFile, 'utf8');
    } catch (error) {
      throw new LpaError('LPA_ERR_BACKEND', `cannot read the dpkg status file ${this.statusFile}`, { cause: error });
    }
    // The file may have changed while it was read; key the cache on what was there before.
    const records = new Map<string, InstalledPackage>();
    const holds = new Set(parseDpkgHolds(text));
    for (const pkg of parseDpkgStatus(text, { keepNotInstalled: true })) records.set(`${pkg.name}:${pkg.architecture}`, pkg);
    for (const journal of await this.journalFiles()) {
      for (const pkg of parseDpkgStatus(journal, { keepNotInstalled: true })) {
        records.set(`${pkg.name}:${pkg.architecture}`, pkg);
        holds.delete(pkg.name);
      }
      for (const name of parseDpkgHolds(journal)) holds.add(name);
    }
    const packages = [...records.values()].filter((pkg) => pkg.status !== 'not-installed').map((pkg) => Object.freeze(pkg));
    const byName = new Map<string, InstalledPackage>();
    for (const pkg of packages) {
      byName.set(`${pkg.name}:${pkg.architecture}`, pkg);
      if (!byName.has(pkg.name)) byName.set(pkg.name, pkg);
    }
    this.cached = { identity, packages, byName, holds };
    return this.cached;
  }

  /** dpkg's journal entries in the order dpkg applies them. */
  private async journalFiles(): Promise<string[]> {
    let names: string[];
    try {
      names = (await readdir(this.updatesDir)).filter((name) => /^\d+$/.test(name)).sort();
    } catch {
      return [];
    }
    const texts: string[] = [];
    for (const name of names) {
      try {
        texts.push(await readFile(join(this.updatesDir, name), 'utf8'));
      } catch {
        /* merged and removed by dpkg meanwhile */
      }
    }
    return texts;
  }
}
