import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AffectedProcess, RebootFlag, RebootReason, RestartForecast, RestartForecasting } from '../contracts/forecast.js';
import type { PlannedChange } from '../contracts/job.js';
import { type MappedFile, processMappings } from '../system/mapped-files.js';
import { rebootReasons, unitsOf } from './reboot-rules.js';

/** A forecast, and the files of the packages it expects to replace (the outcome compares against them). */
export interface Forecasted {
  forecast: RestartForecast;
  filesBefore: Map<string, string[]>;
}

/** Changes whose package was there before: their files are replaced or removed, so their users restart. */
const replacing = (changes: readonly PlannedChange[]) => changes.filter((change) => change.from_version !== null);
/** Changes that leave a package installed: a new kernel, libc or boot loader takes effect at the next boot. */
const installing = (changes: readonly PlannedChange[]) => changes.filter((change) => change.action !== 'removed');

function withFlag(reasons: RebootReason[], flag: RebootFlag): RebootReason[] {
  if (!flag.required) return reasons;
  const named = new Set(reasons.map((reason) => reason.package));
  const flagged = flag.packages
    .filter((name) => !named.has(name))
    .map((name) => ({ package: name, why: `named in ${flag.source}` }));
  if (flagged.length === 0 && reasons.length === 0) return [{ package: null, why: `${flag.source} says a reboot is pending` }];
  return [...reasons, ...flagged];
}

function servicesOf(files: Map<string, string[]>, names: readonly string[]): string[] {
  return [...new Set(names.flatMap((name) => unitsOf(files.get(name) ?? [])))].sort();
}

/**
 * Host paths (as /proc/PID/maps shows them) of each package's files, to the package and the path
 * inside the root. maps names a file by its real path, while a package database may name it through
 * a directory symlink (Debian's merged /usr: `/lib/x86_64-linux-gnu/libc.so.6` is mapped as
 * `/usr/lib/…`), so each file is known by both; directories are resolved once each.
 */
async function hostPaths(
  base: string | null,
  files: Map<string, string[]>,
): Promise<Map<string, { name: string; file: string }>> {
  const paths = new Map<string, { name: string; file: string }>();
  const realDirs = new Map<string, Promise<string | null>>();
  const realDir = (dir: string) => {
    let real = realDirs.get(dir);
    if (real === undefined) {
      real = realpath(dir).catch(() => null);
      realDirs.set(dir, real);
    }
    return real;
  };
  for (const [name, list] of files) {
    for (const file of list) {
      const path = base === null ? file : join(base, file);
      paths.set(path, { name, file });
      const real = await realDir(dirname(path));
      if (real !== null) paths.set(join(real, basename(path)), { name, file });
    }
  }
  return paths;
}

/**
 * The processes (in the root, or all without one) mapping one of these files, one entry per
 * process; `affects` decides whether a mapping counts.
 */
async function processesMapping(
  root: string | null,
  files: Map<string, string[]>,
  affects: (mapped: MappedFile) => Promise<boolean>,
  describe: (file: string, name: string) => string,
): Promise<AffectedProcess[]> {
  // /proc/PID/root and maps name the root by its real path.
  const base = root === null ? null : await realpath(root).catch(() => root);
  const paths = await hostPaths(base, files);
  if (paths.size === 0) return [];
  const affected: AffectedProcess[] = [];
  for (const { pid, command, files: mapped } of await processMappings(base)) {
    for (const entry of mapped) {
      const owner = paths.get(entry.path);
      if (owner === undefined || !(await affects(entry))) continue;
      affected.push({ pid, command, reason: describe(owner.file, owner.name) });
      break;
    }
  }
  return affected.sort((a, b) => a.pid - b.pid);
}

/** The inode the path has now, or null when it is gone. */
async function currentInode(path: string): Promise<number | null> {
  try {
    return (await stat(path)).ino;
  } catch {
    return null;
  }
}

/**
 * What a plan will mean for the running system (SPEC §12.5): reboot reasons (the backend's rules on
 * packages installed, upgraded or downgraded; boot files; the package manager's reboot flag as it
 * is now), the systemd units and the processes that use the files of packages it replaces.
 */
export async function forecastRestarts(
  facet: RestartForecasting,
  root: string | null,
  plan: readonly PlannedChange[],
  signal?: AbortSignal,
): Promise<Forecasted> {
  const rules = await facet.rebootRules(signal);
  const replaced = replacing(plan).map((change) => change.name);
  const filesBefore = await facet.packageFiles(replaced, signal);
  const reasons = withFlag(
    rebootReasons(
      installing(plan).map((change) => ({ name: change.name, files: filesBefore.get(change.name) })),
      rules,
    ),
    await facet.rebootFlag(signal),
  );
  const replacedFiles = new Map([...filesBefore].filter(([name]) => replaced.includes(name)));
  const processes = await processesMapping(
    root,
    replacedFiles,
    async () => true,
    (file, name) => `maps ${file} of ${name}, which the change replaces`,
  );
  return {
    forecast: { reboot_required: reasons.length > 0, reasons, services: servicesOf(filesBefore, replaced), processes },
    filesBefore,
  };
}

/**
 * What a change meant, measured after it: the same rules on the measured changes and the reboot
 * flag as it is now; units of the replaced packages; processes still mapping a file of a replaced
 * package that is marked ` (deleted)` or whose path now holds another inode.
 */
export async function measureOutcome(
  facet: RestartForecasting,
  root: string | null,
  changes: readonly PlannedChange[],
  filesBefore: ReadonlyMap<string, string[]>,
  signal?: AbortSignal,
): Promise<RestartForecast> {
  const rules = await facet.rebootRules(signal);
  const installed = installing(changes).map((change) => change.name);
  const filesAfter = await facet.packageFiles(installed, signal);
  const reasons = withFlag(
    rebootReasons(
      installed.map((name) => ({ name, files: filesAfter.get(name) })),
      rules,
    ),
    await facet.rebootFlag(signal),
  );
  const replaced = replacing(changes).map((change) => change.name);
  const replacedFiles = new Map<string, string[]>();
  for (const name of replaced) {
    replacedFiles.set(name, [...new Set([...(filesBefore.get(name) ?? []), ...(filesAfter.get(name) ?? [])])]);
  }
  const processes = await processesMapping(
    root,
    replacedFiles,
    async (mapped) => mapped.deleted || (await currentInode(mapped.path)) !== mapped.inode,
    (file, name) => `still maps the replaced ${file} of ${name}`,
  );
  return { reboot_required: reasons.length > 0, reasons, services: servicesOf(replacedFiles, replaced), processes };
}

/**
 * Whether the outcome is what the forecast said: the same reboot_required, and every service and
 * every process (by pid) of the outcome was in the forecast. A forecast may name more than the
 * outcome (a process that exited meanwhile, a unit file the new version no longer ships).
 */
export function forecastMatched(forecast: RestartForecast, outcome: RestartForecast): boolean {
  const services = new Set(forecast.services);
  const pids = new Set(forecast.processes.map((process) => process.pid));
  return (
    forecast.reboot_required === outcome.reboot_required &&
    outcome.services.every((unit) => services.has(unit)) &&
    outcome.processes.every((process) => pids.has(process.pid))
  );
}
