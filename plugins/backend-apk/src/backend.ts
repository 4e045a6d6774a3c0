import { copyFile, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { basename, join } from 'node:path';
import {
  type AdvisoryFeeds,
  type BackendCapabilities,
  type BackendInfo,
  type CommandResult,
  type CommandRunner,
  findLockHolderPid,
  fingerprintFiles,
  type InstalledPackage,
  type LockHolder,
  type Logger,
  LpaError,
  type ObtainedPackageFile,
  type OperationContext,
  type OperationOutput,
  type PackageDetails,
  type PackageManagerBackend,
  type PackageSpec,
  type PlannedChange,
  type RepairOutcome,
  type RollbackFiles,
  type RollbackPlan,
  type Upgrade,
  type UpgradeSelection,
} from '@linux-patch-api/core';
import { CACHE_DIR, findCachedApk } from './apk-cache.js';
import { offeredVersions } from './apk-index.js';
import { NAME_PATTERN, validateApkName, validateApkVersion } from './grammar.js';
import { InstalledDatabase } from './installed-db.js';
import {
  type ApkChangeLine,
  apkErrorSummary,
  isApkFetchError,
  isApkLockError,
  LOCK_WAIT_NOTICE,
  packagesKeptByDel,
  parseChangeLine,
  parseChangeLines,
  parseUpgradableList,
  unavailablePins,
} from './output.js';
import { SecdbFeed, secdbAdvisories } from './secdb.js';
import { compareApkVersions } from './version.js';
import { pinAllows, readWorldPins, type WorldPin } from './world.js';

/** Where Alpine installs apk; used when no apk is found elsewhere (the backend then reports failures). */
export const APK_BINARY = '/sbin/apk';
const READ_TIMEOUT_MS = 120_000;
/** apk writes `done/total` lines here (`--progress-fd`); the runner reads it as file descriptor 3. */
const PROGRESS_FD = '3';

export interface ApkBackendOptions {
  /** null = the running system. */
  root: string | null;
  runner: CommandRunner;
  logger: Logger;
  /** The apk binary (see locateApk); default APK_BINARY. */
  apkPath?: string;
  /** The advisory feeds of the config in force (`advisories.alpine_secdb_json`). */
  advisoryFeeds?: () => Readonly<AdvisoryFeeds>;
}

/**
 * The apk backend. The installed set is read from `ROOT/lib/apk/db/installed`; every change goes
 * through apk with `--root` (so the root's own /etc/apk/repositories, keys and world are used),
 * `--wait` for the database lock and `--` before targets.
 */
export class ApkBackend implements PackageManagerBackend {
  readonly #root: string | null;
  readonly #runner: CommandRunner;
  readonly #logger: Logger;
  readonly #apk: string;
  readonly #installed: InstalledDatabase;
  readonly #secdb = new SecdbFeed();
  readonly #lockPath: string;
  readonly #indexDir: string;
  readonly #worldPath: string;
  readonly #cacheDir: string;
  readonly #advisoryFeeds: () => Readonly<AdvisoryFeeds>;

  constructor(options: ApkBackendOptions) {
    this.#advisoryFeeds =
      options.advisoryFeeds ?? (() => ({ debian_tracker_json: null, alpine_secdb_json: null, arch_audit_json: null }));
    this.#root = options.root;
    this.#runner = options.runner;
    this.#logger = options.logger;
    this.#apk = options.apkPath ?? APK_BINARY;
    const base = options.root ?? '/';
    this.#installed = new InstalledDatabase(join(base, 'lib/apk/db/installed'));
    this.#lockPath = join(base, 'lib/apk/db/lock');
    this.#indexDir = join(base, 'var/cache/apk');
    this.#worldPath = join(base, 'etc/apk/world');
    this.#cacheDir = join(base, CACHE_DIR);
  }

  info(): BackendInfo {
    return { packageManager: 'apk', root: this.#root, executable: this.#apk };
  }

  /**
   * apk installs, upgrades and downgrades to an offered version (`name=version`), also as a pinned
   * apply (one `apk add`, whose refusal of a missing pair is VERSION_UNAVAILABLE); `apk del` refuses
   * to remove a package others depend on instead of removing them too; APKINDEX has no advisory
   * metadata, so security_only is refused (README, Capabilities).
   */
  capabilities(): BackendCapabilities {
    return {
      operations: {
        install: { version_pin: true, dry_run: true },
        update: { downgrade: true, dry_run: true },
        remove: { cascade: false, dry_run: true },
        patch_apply: { selected: true, security_only: false, pinned_versions: true, dry_run: true },
        rollback: { sources: ['store', 'repo'] },
        deployments: false,
      },
      advisories: {
        security: this.#advisoryFeeds().alpine_secdb_json !== null,
        severity: false,
        advisory_ids: this.#advisoryFeeds().alpine_secdb_json !== null,
        cves: this.#advisoryFeeds().alpine_secdb_json !== null,
        url: this.#advisoryFeeds().alpine_secdb_json !== null,
        feeds: ['alpine_secdb_json'],
      },
      held_back_reasons: ['pinned'],
      reboot_forecast: false,
    };
  }

  /**
   * The rollback store keeps the installed version's file from apk's cache (`ROOT/etc/apk/cache`,
   * present only where the cache is enabled). apk cannot download a version other than the ones
   * its index offers into a chosen place here, nor rebuild a package from the installed files, so
   * without the cache nothing is kept and a rollback needs the repository.
   */
  readonly rollbackFiles: RollbackFiles = {
    obtainInstalled: async (pkg, directory): Promise<ObtainedPackageFile | null> => {
      const cached = await findCachedApk(this.#cacheDir, pkg.name, pkg.version);
      if (cached === null) return null;
      const path = join(directory, basename(cached));
      await copyFile(cached, path);
      return { path, via: 'cache' };
    },
    /**
     * From the root's cached indexes (what `apk add name=version` selects from). A cached package
     * file no index lists cannot be added by name and version, so only the index counts. Before
     * the first refresh nothing can be told: the answer is `repo`, as for a backend that cannot tell.
     */
    availability: async (name, version) => {
      this.#requireValidSpecs([{ name, version }]);
      const offered = await offeredVersions(this.#indexDir, name);
      return offered === null || offered.includes(version) ? 'repo' : 'none';
    },
    installFiles: (paths, ctx) => this.#keepingWorldOnFailure(() => this.#mutate(['add', '--', ...paths], ctx)),
  };

  /** The APKINDEX files in ROOT/var/cache/apk, by content. */
  async indexFingerprint(): Promise<string> {
    let entries: string[] = [];
    try {
      entries = (await readdir(this.#indexDir))
        .filter((entry) => /^APKINDEX\..+\.tar\.gz$/.test(entry))
        .map((entry) => join(this.#indexDir, entry));
    } catch {
      /* never refreshed */
    }
    return fingerprintFiles(entries);
  }

  async listInstalled(): Promise<InstalledPackage[]> {
    return (await this.#installed.list()).map(({ origin: _origin, ...pkg }) => pkg);
  }

  async getPackage(name: string, signal?: AbortSignal): Promise<PackageDetails | null> {
    this.#requireValidNames([name]);
    const installed = (await this.listInstalled()).find((pkg) => pkg.name === name);
    if (installed === undefined) return null;
    const upgrade = (await this.listUpgrades(signal)).find((candidate) => candidate.name === name);
    return { ...installed, upgradable: upgrade !== undefined, available_version: upgrade?.available_version ?? null };
  }

  async listUpgrades(signal?: AbortSignal): Promise<Upgrade[]> {
    const result = await this.#read(['list', '--upgradable'], signal);
    if (result.exitCode !== 0) throw await this.#failure('listing upgrades', combined(result));
    // apk lists updates its world pins forbid; `apk upgrade` then leaves those packages alone.
    const pins = await readWorldPins(this.#worldPath);
    const feed = this.#advisoryFeeds().alpine_secdb_json;
    const secfixes = feed === null ? null : await this.#secdb.read(feed);
    return parseUpgradableList(result.stdout).map((line) => {
      const records =
        secfixes === null
          ? undefined
          : secdbAdvisories(
              secfixes.get(line.origin) ?? secfixes.get(line.name) ?? [],
              line.currentVersion,
              line.availableVersion,
              compareApkVersions,
            );
      return {
        name: line.name,
        current_version: line.currentVersion,
        available_version: line.availableVersion,
        architecture: line.architecture,
        // APKINDEX carries no advisory data; only the operator's secdb feed (by origin package) does.
        // Without it an update is neither known security nor known non-security.
        security: records === undefined ? null : records.length > 0,
        severity: null,
        advisories: records?.map((record) => record.id) ?? [],
        repository: null,
        held_back: heldBackBy(pins.get(line.name), line.availableVersion),
        ...(records === undefined ? {} : { advisory_records: records }),
      };
    });
  }

  /** `apk add -- name name=version …`; a pinned pair apk's solver refuses is VERSION_UNAVAILABLE. */
  async install(specs: readonly PackageSpec[], ctx: OperationContext): Promise<OperationOutput> {
    this.#requireValidSpecs(specs);
    return this.#keepingWorldOnFailure(() => this.#mutate(['add', '--', ...specs.map(targetOf)], ctx, pinsOf(specs)));
  }

  /**
   * Nothing apk offers tells before the add whether a repository has an exact version: `apk list
   * --upgradable` shows only newer ones, and the cached `var/cache/apk/APKINDEX.*` files miss local
   * directory repositories, which apk reads in place. apk's solver is all-or-nothing, so the pinned
   * add itself is the check: it refuses before changing anything and that refusal fails the job
   * VERSION_UNAVAILABLE naming every missing pair (install, planInstall). Here only the input is checked.
   */
  async findUnavailableVersions(specs: readonly Required<PackageSpec>[]): Promise<Required<PackageSpec>[]> {
    if (specs.length > 0) this.#requireValidSpecs(specs);
    return [];
  }

  /** Unpinned: `apk add --upgrade NAME`; pinned: `apk add NAME=VERSION`, which apk keeps as a pin in world. */
  async update(name: string, version: string | undefined, ctx: OperationContext): Promise<OperationOutput> {
    const spec = version === undefined ? { name } : { name, version };
    this.#requireValidSpecs([spec]);
    await this.#requireInstalled([name]);
    const args = version === undefined ? ['add', '--upgrade', '--', name] : ['add', '--', targetOf(spec)];
    return this.#keepingWorldOnFailure(() => this.#mutate(args, ctx, pinsOf([spec])));
  }

  /**
   * `apk del`: apk removes the names from world and then every package nothing needs any more. A
   * package another one still depends on is kept by apk (exit 0, but the name is gone from world);
   * that is reported as an error and world is put back as it was.
   */
  async remove(names: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    this.#requireValidNames(names);
    await this.#requireInstalled(names);
    return this.#keepingWorldOnFailure(async () => {
      const result = await this.#mutate(['del', '--', ...names], ctx);
      const kept = packagesKeptByDel(result.output);
      if (kept.length > 0) {
        throw new LpaError('LPA_ERR_BACKEND', `apk kept ${kept.join(', ')}: other installed packages still depend on it`, {
          details: { kept, output: tail(result.output) },
        });
      }
      return result;
    });
  }

  /**
   * `apk upgrade` (all, or `-- names`). A named package whose world entry pins its version is
   * upgraded with `apk add --upgrade -- name` instead, which releases the pin (world then holds the
   * bare name); `apk upgrade` without names leaves pinned packages alone, as listUpgrades says.
   */
  async applyUpgrades(selection: UpgradeSelection, ctx: OperationContext): Promise<OperationOutput> {
    const commands = await this.#upgradeCommands(selection);
    const outputs: string[] = [];
    for (const [index, command] of commands.entries()) {
      const step = stepContext(ctx, index, commands.length);
      const run = () => this.#mutate(command, step);
      outputs.push((await (command[0] === 'add' ? this.#keepingWorldOnFailure(run) : run())).output);
    }
    return { output: outputs.join('\n') };
  }

  /**
   * Rollback in apk's order: first back to the previous versions (`apk add name=old`, which also
   * purges dependencies only the new versions needed), then `apk del` of what the job installed and
   * is still there. Removing a new dependency first fails: apk keeps it while the new version of
   * its dependent needs it.
   */
  async rollback(plan: RollbackPlan, ctx: OperationContext): Promise<OperationOutput> {
    const outputs: string[] = [];
    const steps = (plan.install.length > 0 ? 1 : 0) + 1;
    if (plan.install.length > 0) {
      // Kept files are added as files (apk then records `name><checksum` in world), the rest by name=version.
      const files = plan.install.flatMap((spec) => plan.files?.[spec.name] ?? []);
      const specs = plan.install.filter((spec) => plan.files?.[spec.name] === undefined);
      this.#requireValidSpecs(plan.install);
      const targets = [...specs.map(targetOf), ...files];
      const step = stepContext(ctx, 0, steps);
      outputs.push((await this.#keepingWorldOnFailure(() => this.#mutate(['add', '--', ...targets], step))).output);
    }
    const installed = new Set((await this.#installed.list()).map((pkg) => pkg.name));
    const stillInstalled = plan.remove.filter((name) => installed.has(name));
    if (stillInstalled.length > 0) outputs.push((await this.remove(stillInstalled, stepContext(ctx, steps - 1, steps))).output);
    ctx.onProgress(100);
    return { output: outputs.join('\n') };
  }

  async planInstall(specs: readonly PackageSpec[], signal?: AbortSignal): Promise<PlannedChange[]> {
    this.#requireValidSpecs(specs);
    return this.#simulate(['add', '--', ...specs.map(targetOf)], signal, pinsOf(specs));
  }

  async planRemove(names: readonly string[], signal?: AbortSignal): Promise<PlannedChange[]> {
    this.#requireValidNames(names);
    await this.#requireInstalled(names);
    return this.#simulate(['del', '--', ...names], signal);
  }

  async planUpgrades(selection: UpgradeSelection, signal?: AbortSignal): Promise<PlannedChange[]> {
    const plans: PlannedChange[] = [];
    for (const command of await this.#upgradeCommands(selection)) plans.push(...(await this.#simulate(command, signal)));
    return plans;
  }

  /**
   * `apk --force-refresh update`: apk-tools 2.14.9 and later skip an index younger than four hours
   * on a plain `apk update`, so the refresh before an apply would fetch nothing.
   */
  async refreshCache(ctx: OperationContext): Promise<OperationOutput> {
    return this.#mutate(['--force-refresh', 'update'], ctx);
  }

  /**
   * apk keeps no history with times: it rewrites ROOT/lib/apk/db/installed on every commit that
   * changes the installed set, so that file's modification time is the last change.
   */
  lastUpdateTime(): Promise<Date | null> {
    return this.#installed.lastWritten();
  }

  /** The newest APKINDEX apk keeps in ROOT/var/cache/apk. */
  async lastCacheUpdate(): Promise<Date | null> {
    let entries: string[];
    try {
      entries = (await readdir(this.#indexDir)).filter((entry) => /^APKINDEX\..+\.tar\.gz$/.test(entry));
    } catch {
      return null;
    }
    let latest: number | null = null;
    for (const entry of entries) {
      try {
        const { mtimeMs } = await stat(join(this.#indexDir, entry));
        if (latest === null || mtimeMs > latest) latest = mtimeMs;
      } catch {
        /* removed meanwhile */
      }
    }
    return latest === null ? null : new Date(latest);
  }

  isFetchError(output: string): boolean {
    return isApkFetchError(output);
  }

  readonly namePattern = NAME_PATTERN;

  validateName(name: string): string | null {
    return validateApkName(name);
  }

  validateVersion(version: string): string | null {
    return validateApkVersion(version);
  }

  compareVersions(a: string, b: string): number {
    return compareApkVersions(a, b);
  }

  /** apk holds a flock() on ROOT/lib/apk/db/lock while it works; /proc/locks names the holder. */
  async findLockHolder(): Promise<LockHolder | null> {
    const pid = await findLockHolderPid(this.#lockPath);
    return pid === null ? null : { path: this.#lockPath, pid };
  }

  /** `apk fix` reinstalls packages the database marks as broken (e.g. after an interrupted commit). */
  async repair(ctx: OperationContext): Promise<RepairOutcome> {
    try {
      const { output } = await this.#mutate(['fix'], ctx);
      return { needed: parseChangeLines(output).length > 0, consistent: true, output };
    } catch (error) {
      if (error instanceof LpaError && error.code === 'LPA_ERR_BACKEND') {
        return { needed: true, consistent: false, output: error.message };
      }
      throw error;
    }
  }

  /** Alpine keeps no reboot flag; an upgraded kernel removes the running kernel's module directory. */
  async rebootRequired(): Promise<boolean> {
    if (this.#root !== null) return false;
    try {
      await stat(join('/lib/modules', release()));
      return false;
    } catch {
      return true;
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  #globalArgs(): string[] {
    return this.#root === null ? ['--no-progress'] : ['--root', this.#root, '--no-progress'];
  }

  /** The apk commands an upgrade selection runs: `add --upgrade` for pinned names, `upgrade` for the rest. */
  async #upgradeCommands(selection: UpgradeSelection): Promise<string[][]> {
    if (selection.securityOnly) {
      throw new LpaError(
        'LPA_ERR_VALIDATION',
        "security_only cannot be honoured on Alpine: its repositories' indexes carry no security advisory metadata; apply all updates instead",
      );
    }
    if (selection.names === null) return [['upgrade']];
    this.#requireValidNames(selection.names);
    const pins = await readWorldPins(this.#worldPath);
    const pinned = selection.names.filter((name) => pinCanHoldBack(pins.get(name)));
    const free = selection.names.filter((name) => !pinned.includes(name));
    const commands: string[][] = [];
    if (pinned.length > 0) commands.push(['add', '--upgrade', '--', ...pinned]);
    if (free.length > 0) commands.push(['upgrade', '--', ...free]);
    return commands;
  }

  /**
   * Runs a world-changing apk command; when it fails, world is written back as it was, so a failed
   * step never leaves a changed world behind (apk rewrites world before it knows the outcome, e.g.
   * a `del` of a package others still need removes the name and keeps the package).
   */
  async #keepingWorldOnFailure(work: () => Promise<OperationOutput>): Promise<OperationOutput> {
    const before = await readFile(this.#worldPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    try {
      return await work();
    } catch (error) {
      await this.#restoreWorld(before);
      throw error;
    }
  }

  async #restoreWorld(before: Buffer | null): Promise<void> {
    const now = await readFile(this.#worldPath).catch(() => null);
    if (now === null ? before === null : before !== null && now.equals(before)) return;
    this.#logger.warn({ path: this.#worldPath }, 'apk changed world in a failed step; writing it back as it was');
    if (before === null) {
      await unlink(this.#worldPath).catch(() => undefined);
      return;
    }
    const temporary = `${this.#worldPath}.lpa-restore`;
    await writeFile(temporary, before);
    await rename(temporary, this.#worldPath);
  }

  #requireValidNames(names: readonly string[]): void {
    if (names.length === 0) throw new LpaError('LPA_ERR_VALIDATION', 'no package names given');
    for (const name of names) {
      const reason = validateApkName(name);
      if (reason !== null) throw new LpaError('LPA_ERR_VALIDATION', `invalid package name: ${reason}`, { details: { name } });
    }
  }

  #requireValidSpecs(specs: readonly PackageSpec[]): void {
    this.#requireValidNames(specs.map((spec) => spec.name));
    for (const spec of specs) {
      if (spec.version === undefined) continue;
      const reason = validateApkVersion(spec.version);
      if (reason !== null) {
        throw new LpaError('LPA_ERR_VALIDATION', `invalid version for ${spec.name}: ${reason}`, {
          details: { name: spec.name, version: spec.version },
        });
      }
    }
  }

  async #requireInstalled(names: readonly string[]): Promise<void> {
    const installed = new Set((await this.#installed.list()).map((pkg) => pkg.name));
    const missing = names.filter((name) => !installed.has(name));
    if (missing.length > 0) {
      throw new LpaError('LPA_ERR_NOT_FOUND', `not installed: ${missing.join(', ')}`, { details: { packages: missing } });
    }
  }

  async #read(args: string[], signal?: AbortSignal): Promise<CommandResult> {
    const result = await this.#runner.run({
      file: this.#apk,
      args: [...this.#globalArgs(), ...args],
      timeoutMs: READ_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    if (result.timedOut) throw new LpaError('LPA_ERR_TIMEOUT', `apk ${args[0]} timed out`);
    if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', `apk ${args[0]} was cancelled`);
    return result;
  }

  async #simulate(args: string[], signal?: AbortSignal, pins: Required<PackageSpec>[] = []): Promise<PlannedChange[]> {
    const result = await this.#read(['--simulate', ...args], signal);
    if (result.exitCode !== 0) throw await this.#failure(`planning apk ${args[0]}`, combined(result), 0, pins);
    return parseChangeLines(result.stdout).flatMap(toPlannedChange);
  }

  /** `pins`: the name=version targets whose refusal by apk's solver is VERSION_UNAVAILABLE. */
  async #mutate(args: string[], ctx: OperationContext, pins: Required<PackageSpec>[] = []): Promise<OperationOutput> {
    const lockWait = Math.max(0, Math.floor(ctx.lockWaitSeconds));
    const lines: string[] = [];
    // Two sources (bytes on the progress fd, packages in the (n/m) lines) never move progress back.
    let shown = 0;
    const report = (percent: number, message?: string) => {
      if (percent < shown) return;
      shown = percent;
      ctx.onProgress(percent, message);
    };
    const result = await this.#runner.run({
      file: this.#apk,
      args: [...this.#globalArgs(), ...(lockWait > 0 ? ['--wait', String(lockWait)] : []), '--progress-fd', PROGRESS_FD, ...args],
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      onLine: (line) => {
        lines.push(line);
        ctx.onLog(line);
        if (LOCK_WAIT_NOTICE.test(line)) ctx.onProgress(shown, 'waiting for the apk database lock');
        const change = parseChangeLine(line);
        if (change !== null) report(Math.round((change.index / change.total) * 99), line.trim());
      },
      onStatusLine: (line) => {
        const match = /^(\d+)\/(\d+)$/.exec(line.trim());
        if (match === null) return;
        const total = Number(match[2]);
        if (total > 0) report(Math.min(99, Math.round((Number(match[1]) / total) * 99)));
      },
    });
    const output = lines.length > 0 ? lines.join('\n') : combined(result);
    if (result.timedOut) {
      this.#logger.warn({ args }, 'apk was stopped by the job timeout');
      throw new LpaError('LPA_ERR_TIMEOUT', `apk ${args[0]} timed out`, { details: { output: tail(output) } });
    }
    if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', `apk ${args[0]} was cancelled`);
    if (result.exitCode !== 0) throw await this.#failure(`apk ${args[0]}`, output, lockWait, pins);
    ctx.onProgress(100);
    return { output };
  }

  async #failure(what: string, output: string, lockWait = 0, pins: Required<PackageSpec>[] = []): Promise<LpaError> {
    if (isApkLockError(output)) {
      const pid = await findLockHolderPid(this.#lockPath);
      return new LpaError(
        'LPA_ERR_LOCKED',
        pid === null
          ? `the apk database lock ${this.#lockPath} is held, pid unknown (waited ${lockWait} s)`
          : `the apk database lock ${this.#lockPath} is held by pid ${pid} (waited ${lockWait} s)`,
        { details: { path: this.#lockPath, pid } },
      );
    }
    const missing = unavailablePins(output, pins);
    if (missing.length > 0) {
      return new LpaError(
        'LPA_ERR_VERSION_UNAVAILABLE',
        `not available: ${missing.map((pin) => `${pin.name} ${pin.version}`).join(', ')}; apk's solver refused the whole request, nothing was changed`,
        { details: { missing: missing.map((pin) => ({ name: pin.name, version: pin.version })), output: tail(output) } },
      );
    }
    const code = isApkFetchError(output) ? 'LPA_ERR_FETCH' : 'LPA_ERR_BACKEND';
    return new LpaError(code, `${what} failed: ${apkErrorSummary(output)}`, { details: { output: tail(output) } });
  }
}

/** A pin that can keep a newer version out: all but `>` and `>=`. */
function pinCanHoldBack(pin: WorldPin | undefined): pin is WorldPin {
  return pin !== undefined && pin.operator !== '>' && pin.operator !== '>=';
}

function heldBackBy(pin: WorldPin | undefined, available: string): Upgrade['held_back'] {
  if (pin === undefined || pinAllows(pin, available)) return null;
  return { reason: 'pinned', detail: `${pin.entry} in /etc/apk/world` };
}

/** Step `index` of `count` of one operation: progress mapped into its share of 0–100. */
function stepContext(ctx: OperationContext, index: number, count: number): OperationContext {
  if (count <= 1) return ctx;
  const offset = (index / count) * 100;
  return { ...ctx, onProgress: (percent, message) => ctx.onProgress(offset + percent / count, message) };
}

/** The targets with a version: the ones apk's solver can refuse as unavailable. */
function pinsOf(specs: readonly PackageSpec[]): Required<PackageSpec>[] {
  return specs.flatMap((spec) => (spec.version === undefined ? [] : [{ name: spec.name, version: spec.version }]));
}

function targetOf(spec: PackageSpec): string {
  return spec.version === undefined ? spec.name : `${spec.name}=${spec.version}`;
}

function toPlannedChange(change: ApkChangeLine): PlannedChange[] {
  switch (change.verb) {
    case 'Installing':
      return [{ name: change.name, action: 'installed', from_version: null, to_version: change.toVersion }];
    case 'Upgrading':
      return [{ name: change.name, action: 'upgraded', from_version: change.fromVersion, to_version: change.toVersion }];
    case 'Downgrading':
      return [{ name: change.name, action: 'downgraded', from_version: change.fromVersion, to_version: change.toVersion }];
    case 'Purging':
    case 'Removing':
      return [{ name: change.name, action: 'removed', from_version: change.fromVersion, to_version: null }];
    default:
      return [];
  }
}

function combined(result: CommandResult): string {
  return [result.stdout, result.stderr].filter(Boolean).join('\n');
}

function tail(output: string): string {
  return output.split('\n').slice(-20).join('\n');
}
