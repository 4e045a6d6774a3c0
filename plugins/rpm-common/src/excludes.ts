import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeldBack } from '@linux-patch-api/core';

/** One `exclude=` / `excludepkgs=` value, with the file and section it came from. */
export interface ExcludeEntry {
  pattern: string;
  file: string;
  section: string;
}

/** The `exclude`/`excludepkgs` globs of an ini-style dnf/yum configuration file (comma or space separated). */
export function parseExcludes(text: string, file: string): ExcludeEntry[] {
  const entries: ExcludeEntry[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s*[#;].*$/, '').trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1] as string;
      continue;
    }
    const setting = /^(exclude|excludepkgs)\s*=\s*(.*)$/.exec(line);
    if (setting === null) continue;
    for (const pattern of (setting[2] as string).split(/[\s,]+/)) if (pattern !== '') entries.push({ pattern, file, section });
  }
  return entries;
}

/** Package names of a versionlock plugin list (`name-[epoch:]version-release.arch` globs; `!` marks an exclusion). */
export function parseVersionlockList(text: string): { locked: Set<string>; excluded: Set<string> } {
  const locked = new Set<string>();
  const excluded = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const negated = line.startsWith('!');
    const name = /^(.+?)-(?:\d+:)?[^-]+-[^-]+$/.exec(negated ? line.slice(1) : line)?.[1];
    if (name !== undefined) (negated ? excluded : locked).add(name);
  }
  return { locked, excluded };
}

export interface HoldSources {
  excludes: ExcludeEntry[];
  versionlock: { locked: Set<string>; excluded: Set<string>; file: string } | null;
}

/** Reads the excludes of the main config files and the repository files, and the versionlock list when there is one. */
export async function readHoldSources(
  configFiles: readonly string[],
  reposDir: string,
  versionlockList: string,
): Promise<HoldSources> {
  const excludes: ExcludeEntry[] = [];
  const repoFiles = await readdir(reposDir)
    .then((names) => names.filter((name) => name.endsWith('.repo')).map((name) => join(reposDir, name)))
    .catch(() => []);
  for (const file of [...configFiles, ...repoFiles]) {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text !== null) excludes.push(...parseExcludes(text, file));
  }
  const lockText = await readFile(versionlockList, 'utf8').catch(() => null);
  return { excludes, versionlock: lockText === null ? null : { ...parseVersionlockList(lockText), file: versionlockList } };
}

/** Whether anything is configured that can hide an update. */
export function hasHolds(sources: HoldSources): boolean {
  const lock = sources.versionlock;
  return sources.excludes.length > 0 || (lock !== null && lock.locked.size + lock.excluded.size > 0);
}

/**
 * Why dnf/yum leaves this package's update out: a versionlock entry is `pinned`; an exclude is
 * `ignored`, naming the line. Asked only for updates that appear with `--disableexcludes=all`
 * and not without, so something did exclude it even when no line here matches (a `--setopt`).
 */
export function excludeReason(name: string, sources: HoldSources): HeldBack {
  const lock = sources.versionlock;
  if (lock?.locked.has(name)) return { reason: 'pinned', detail: `versionlock: ${name} is locked in ${lock.file}` };
  if (lock?.excluded.has(name)) return { reason: 'ignored', detail: `versionlock: ${name} is excluded in ${lock.file}` };
  const entry = sources.excludes.find((candidate) => globMatches(candidate.pattern, name));
  if (entry !== undefined) {
    return { reason: 'ignored', detail: `excludepkgs=${entry.pattern} in [${entry.section}] of ${entry.file}` };
  }
  return { reason: 'ignored', detail: 'excluded by the package manager configuration' };
}

function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|\\/-]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name);
}
