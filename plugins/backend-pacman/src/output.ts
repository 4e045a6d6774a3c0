/** Parsers for pacman's output (English, as the runner sets LC_ALL=C.UTF-8). */

export interface UpgradeLine {
  name: string;
  currentVersion: string;
  availableVersion: string;
  /** Listed by `-Qu` but held back by IgnorePkg/IgnoreGroup in pacman.conf. */
  ignored: boolean;
}

/** `pacman -Qu` lines: `name old -> new`, with ` [ignored]` for held-back packages. */
export function parseUpgradeList(stdout: string): UpgradeLine[] {
  const upgrades: UpgradeLine[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(\S+) (\S+) -> (\S+)( \[ignored\])?$/.exec(line.trim());
    if (match === null) continue;
    upgrades.push({
      name: match[1] as string,
      currentVersion: match[2] as string,
      availableVersion: match[3] as string,
      ignored: match[4] !== undefined,
    });
  }
  return upgrades;
}

/** The `--print-format` used for plans; a marker keeps them apart from pacman's own chatter. */
export const PRINT_FORMAT = 'lpa-target\t%n\t%v';

export interface PrintedTarget {
  name: string;
  version: string;
}

/** The targets of a `-p --print-format PRINT_FORMAT` run. */
export function parsePrintedTargets(stdout: string): PrintedTarget[] {
  const targets: PrintedTarget[] = [];
  for (const line of stdout.split('\n')) {
    const fields = line.split('\t');
    if (fields.length !== 3 || fields[0] !== 'lpa-target') continue;
    targets.push({ name: fields[1] as string, version: fields[2] as string });
  }
  return targets;
}

/** `pacman -Q` lines: `name version`. */
export function parseQueryList(stdout: string): PrintedTarget[] {
  const packages: PrintedTarget[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(\S+) (\S+)$/.exec(line.trim());
    if (match !== null) packages.push({ name: match[1] as string, version: match[2] as string });
  }
  return packages;
}

const FETCH_ERRORS = [
  /failed retrieving file/i,
  /failed to retrieve some files/i,
  /failed to synchronize all databases \((?:download library error|failed to retrieve some files|unexpected error)\)/i,
  /failed to update \S+ \(download library error\)/i,
  /\b404\b/,
  /The requested URL returned error/i,
  /Could not resolve host/i,
  /Connection timed out|Connection refused/i,
];

/** Whether pacman's output shows a download failure (a mirror's 404, a missing file, a dead host). */
export function isFetchError(output: string): boolean {
  if (isLockError(output)) return false;
  return FETCH_ERRORS.some((pattern) => pattern.test(output));
}

/** Whether pacman gave up because `db.lck` existed. */
export function isLockError(output: string): boolean {
  return /unable to lock database|could not lock database/i.test(output);
}

/** `target not found: NAME` lines. */
export function missingTargets(output: string): string[] {
  return [...output.matchAll(/^error: target not found: (\S+)$/gm)].map((match) => match[1] as string);
}

/** The `error:` lines of pacman's output, joined, for a job's error message. */
export function errorSummary(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('error:') || /breaks dependency|are in conflict|required by/.test(line));
  return lines.length > 0 ? lines.join('; ') : output.trim().split('\n').slice(-3).join('; ') || 'pacman failed';
}

const OPERATION = /^(?:\((\d+)\/(\d+)\) )?(installing|upgrading|downgrading|reinstalling|removing) (\S+?)(?:\.\.\.|\s|$)/;

/**
 * Turns pacman's output into progress. With a terminal pacman prints `(n/m) installing x [###]`
 * bars; on a pipe it prints `installing x...` once per package, after a `Packages (m)` summary.
 * Downloading is counted as the first half, package changes as the second.
 */
export class ProgressTracker {
  #total = 0;
  #done = 0;
  #downloading = false;

  /** The percent this line moves progress to, or null when it says nothing about progress. */
  update(line: string): { percent: number; message: string } | null {
    const trimmed = line.trim();
    const summary = /^Packages \((\d+)\)/.exec(trimmed);
    if (summary !== null) {
      this.#total = Number(summary[1]);
      return { percent: 5, message: `${this.#total} package(s) in transaction` };
    }
    if (trimmed === ':: Retrieving packages...') {
      this.#downloading = true;
      return { percent: 10, message: 'retrieving packages' };
    }
    if (trimmed === ':: Processing package changes...') {
      this.#downloading = false;
      return { percent: 50, message: 'processing package changes' };
    }
    const operation = OPERATION.exec(trimmed);
    if (operation !== null) {
      const index = operation[1] === undefined ? this.#done + 1 : Number(operation[1]);
      const total = operation[2] === undefined ? this.#total : Number(operation[2]);
      this.#done = index;
      if (total > 0) this.#total = total;
      const fraction = this.#total > 0 ? Math.min(1, index / this.#total) : 0;
      return {
        percent: Math.round(50 + fraction * 49),
        message: `(${index}/${this.#total || '?'}) ${operation[3]} ${operation[4]}`,
      };
    }
    if (this.#downloading && /downloading\.\.\.$/.test(trimmed)) return { percent: 20, message: trimmed };
    return null;
  }
}
