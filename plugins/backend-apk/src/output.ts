/** Parsers for apk-tools 2.14 output (English; apk has no translations). */
import type { PackageSpec } from '@linux-patch-api/core';
import { compareApkVersions } from './version.js';

/**
 * Splits `name-version` the way apk does (apk_pkg_parse_name): the version starts at the last `-`
 * that is followed by a digit, with at most the `-rN` revision dash after it.
 */
export function splitNameVersion(text: string): { name: string; version: string } | null {
  let dashes = 0;
  for (let i = text.length - 2; i >= 0; i--) {
    if (text[i] !== '-') continue;
    const next = text[i + 1] as string;
    if (next >= '0' && next <= '9') {
      if (i === 0) return null;
      return { name: text.slice(0, i), version: text.slice(i + 1) };
    }
    if (++dashes >= 2) return null;
  }
  return null;
}

export interface UpgradableLine {
  name: string;
  currentVersion: string;
  availableVersion: string;
  architecture: string;
  origin: string;
}

/**
 * `apk list --upgradable` lines:
 * `busybox-1.36.1-r5 x86_64 {busybox} (GPL-2.0-only) [upgradable from: busybox-1.36.1-r2]`.
 * apk prints one line per newer version the repositories offer; the result keeps one row per
 * package, the highest version (what `apk upgrade` installs).
 */
export function parseUpgradableList(stdout: string): UpgradableLine[] {
  const highest = new Map<string, UpgradableLine>();
  for (const line of parseUpgradableLines(stdout)) {
    const known = highest.get(line.name);
    if (known === undefined || compareApkVersions(line.availableVersion, known.availableVersion) > 0)
      highest.set(line.name, line);
  }
  return [...highest.values()];
}

/** Every line of `apk list --upgradable`, as printed (a package may appear once per newer version). */
export function parseUpgradableLines(stdout: string): UpgradableLine[] {
  const upgrades: UpgradableLine[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(\S+) (\S+) \{([^}]*)\} \((.*)\) \[upgradable from: (\S+)\]$/.exec(line.trim());
    if (match === null) continue;
    const available = splitNameVersion(match[1] as string);
    const current = splitNameVersion(match[5] as string);
    if (available === null || current === null || available.name !== current.name) continue;
    upgrades.push({
      name: available.name,
      currentVersion: current.version,
      availableVersion: available.version,
      architecture: match[2] as string,
      origin: match[3] as string,
    });
  }
  return upgrades;
}

export type ApkChangeVerb = 'Installing' | 'Upgrading' | 'Downgrading' | 'Replacing' | 'Reinstalling' | 'Purging' | 'Removing';

export interface ApkChangeLine {
  index: number;
  total: number;
  verb: ApkChangeVerb;
  name: string;
  fromVersion: string | null;
  toVersion: string | null;
}

const CHANGE =
  /^\((\d+)\/(\d+)\) (Installing|Upgrading|Downgrading|Replacing|Reinstalling|Purging|Removing) (\S+) \((\S+)(?: -> (\S+))?\)/;

/** One `(n/m) Verb name (version)` or `(n/m) Verb name (old -> new)` line of add/del/upgrade, or null. */
export function parseChangeLine(line: string): ApkChangeLine | null {
  const match = CHANGE.exec(line.trim());
  if (match === null) return null;
  const verb = match[3] as ApkChangeVerb;
  const first = match[5] as string;
  const second = match[6];
  const removal = verb === 'Purging' || verb === 'Removing';
  return {
    index: Number(match[1]),
    total: Number(match[2]),
    verb,
    // A package from a tagged repository prints as `name@tag`.
    name: (match[4] as string).replace(/@.*$/, ''),
    fromVersion: removal ? first : second === undefined ? (verb === 'Installing' ? null : first) : first,
    toVersion: removal ? null : (second ?? first),
  };
}

export function parseChangeLines(output: string): ApkChangeLine[] {
  return output
    .split('\n')
    .map(parseChangeLine)
    .filter((change): change is ApkChangeLine => change !== null);
}

const FETCH_ERRORS = [
  /temporary error \(try again later\)/i,
  // A package file the index names but the mirror answers 404 for (apk-tools 2.14: APKE_PACKAGE_NOT_FOUND).
  /package mentioned in index not found/i,
  /remote server returned error/i,
  /could not connect to server/i,
  /network (?:error|unreachable|connection aborted)/i,
  /DNS (?:lookup )?error/i,
  /^(?:ERROR|WARNING): (?:fetching )?(?:https?|ftp):\/\/\S+: /m,
  /^WARNING: Ignoring \S+: /m,
  /^\d*[1-9]\d* unavailable, \d+ stale;/m,
  /could not find a repo which provides this package/i,
];

/** Whether apk's output shows a download failure (a mirror's 404, an unreachable or missing repository). */
export function isApkFetchError(output: string): boolean {
  if (isApkLockError(output)) return false;
  return FETCH_ERRORS.some((pattern) => pattern.test(output));
}

/** apk's notice (on stdout) that another process holds the database lock and it waits for it. */
export const LOCK_WAIT_NOTICE = /^Waiting for repository lock$/m;

/**
 * Whether apk gave up on /lib/apk/db/lock (after `--wait`, if given): it prints
 * `Waiting for repository lock` on stdout, then `Unable to lock database: …` and `Failed to open apk
 * database: …` on stderr and exits 99.
 */
export function isApkLockError(output: string): boolean {
  return (
    /Unable to lock database/i.test(output) || (LOCK_WAIT_NOTICE.test(output) && /Failed to open apk database/i.test(output))
  );
}

/** `apk del` keeps packages other installed packages still need, says so, and exits 0. */
export function packagesKeptByDel(output: string): string[] {
  const start = output.indexOf('the following packages are not removed due to:');
  if (start === -1) return [];
  const kept: string[] = [];
  for (const line of output.slice(start).split('\n').slice(1)) {
    const match = /^\s+(\S+):/.exec(line);
    if (match === null) break;
    kept.push(match[1] as string);
  }
  return kept;
}

/**
 * The ERROR lines (and their indented detail) of apk's output, for a job's error message; the
 * WARNING lines when there is no ERROR (an unreachable repository is only a warning to apk).
 */
export function apkErrorSummary(output: string): string {
  const lines = output.split('\n');
  const marker = lines.some((line) => line.startsWith('ERROR:')) ? 'ERROR:' : 'WARNING:';
  const picked: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith(marker)) continue;
    picked.push(line.trim());
    for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j] as string); j++) picked.push((lines[j] as string).trim());
  }
  if (marker === 'WARNING:') picked.push(...lines.filter((line) => /^\d+ unavailable, \d+ stale;/.test(line)));
  return picked.length > 0 ? picked.join(' ') : output.trim().split('\n').slice(-3).join('; ') || 'apk failed';
}

/**
 * The pinned pairs apk's solver refused as unavailable, in the order given: its `unable to select
 * packages` block names a version no repository offers as a broken world constraint
 * (`breaks: world[name=version]`, p21) and a name no repository has as `name (no such package):`
 * (p20). apk's solver is all-or-nothing, so with such a refusal nothing was changed. Other
 * failures (conflicts, download or lock errors) name no pair.
 */
export function unavailablePins(output: string, pins: readonly Required<PackageSpec>[]): Required<PackageSpec>[] {
  const start = output.indexOf('unable to select packages:');
  if (start === -1 || pins.length === 0) return [];
  const unknownNames = new Set<string>();
  const broken = new Set<string>();
  let label: string | null = null;
  for (const line of output.slice(start).split('\n').slice(1)) {
    if (!/^\s/.test(line)) break;
    const header = /^ {2}(\S+)(?: \(([^)]*)\))?:\s*$/.exec(line);
    if (header !== null) {
      label = null;
      if (header[2] === 'no such package') unknownNames.add(header[1] as string);
      continue;
    }
    const labelled = /^ {4}([a-z][a-z ]*):(.*)$/.exec(line);
    if (labelled !== null) label = labelled[1] as string;
    if (label !== 'breaks') continue;
    for (const match of (labelled?.[2] ?? line).matchAll(/world\[([^\]]+)\]/g)) broken.add(match[1] as string);
  }
  return pins.filter((pin) => unknownNames.has(pin.name) || broken.has(`${pin.name}=${pin.version}`));
}
