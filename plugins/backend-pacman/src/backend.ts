import { copyFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AdvisoryFeeds,
  type AdvisorySeverity,
  type BackendCapabilities,
  type BackendInfo,
  type CommandResult,
  type CommandRunner,
  fingerprintFiles,
  higherSeverity,
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
  type Upgrade,
  type UpgradeSelection,
} from '@linux-patch-api/core';
import { ArchAuditFeed, archAuditAdvisories } from './arch-audit.js';
import { PacmanDbLock } from './db-lock.js';
import { NAME_PATTERN, validatePackageName, validatePackageVersion } from './grammar.js';
import type { PacmanLayout } from './layout.js';
import { LocalDatabase } from './local-db.js';
import {
  errorSummary,
  isFetchError,
  isLockError,
  missingTargets,
  PRINT_FORMAT,
  type PrintedTarget,
  ProgressTracker,
  parsePrintedTargets,
  parseUpgradeList,
  type UpgradeLine,
} from './output.js';
import { findCachedPackage } from './package-cache.js';
import { type IgnoreLists, ignoreDetail, parseIgnoreLists } from './pacman-conf.js';
import { readLastPacmanChange } from './pacman-log.js';
import { PacmanRestartForecast } from './pacman-restart-forecast.js';
import { vercmp } from './vercmp.js';

export const PACMAN_BINARY = '/usr/bin/pacman';
const READ_TIMEOUT_MS = 120_000;

export interface PacmanBackendOptions {
  layout: PacmanLayout;
  runner: CommandRunner;
  logger: Logger;
  /** Absolute path of pacman (tests may point it elsewhere). */
  pacmanPath?: string;
  /** The advisory feeds of the config in force (`advisories.arch_audit_json`). */
  advisoryFeeds?: () => Readonly<AdvisoryFeeds>;
}

/** Where a requested package comes from: the sync repositories by name, or a package file. */
type Target = { kind: 'sync'; name: string } | { kind: 'file'; name: string; path: string };

interface InterruptedRun {
  startedMs: number;
  endedMs: number;
}

/**
 * The pacman backend. Reads come from the local database files; every change goes through pacman
 * with `--noconfirm` and `--` before targets. Upgrades are always whole-system (`-Su` after the
 * core's `-Syy`), because Arch does not support partial upgrades.
 */
export class PacmanBackend implements PackageManagerBackend {
  readonly #layout: PacmanLayout;
  readonly #runner: CommandRunner;
  readonly #logger: Logger;
  readonly #pacman: string;
  readonly #localDb: LocalDatabase;
  readonly #lock: PacmanDbLock;
  readonly #advisoryFeeds: () => Readonly<AdvisoryFeeds>;
  readonly #archAudit = new ArchAuditFeed();
  /** Runs of ours that were stopped (timeout, abort, signal) and may have left db.lck behind. */
  #interrupted: InterruptedRun[] = [];
  /** The last `-Qu` answer, valid while the local db, the sync dbs and pacman.conf are unchanged. */
  #upgrades: { signature: string; lines: UpgradeLine[] } | null = null;

  constructor(options: PacmanBackendOptions) {
    this.#layout = options.layout;
    this.#runner = options.runner;
    this.#logger = options.logger;
    this.#pacman = options.pacmanPath ?? PACMAN_BINARY;
    this.#localDb = new LocalDatabase(options.layout.dbPath);
    this.#lock = new PacmanDbLock(options.layout.dbPath);
    this.#advisoryFeeds =
      options.advisoryFeeds ?? (() => ({ debian_tracker_json: null, alpine_secdb_json: null, arch_audit_json: null }));
    this.restartForecast = new PacmanRestartForecast(options.layout.root, this.#localDb);
  }

  readonly restartForecast: PacmanRestartForecast;

  info(): BackendInfo {
    return { packageManager: 'pacman', root: this.#layout.root };
  }

  /**
   * The rollback store keeps the installed version's file from pacman's cache (CacheDir under the
   * root). pacman cannot download a version other than the one its repositories offer now, and
   * cannot rebuild a package from the installed files, so a version missing from the cache is not kept.
   */
  readonly rollbackFiles: RollbackFiles = {
    obtainInstalled: async (pkg, directory): Promise<ObtainedPackageFile | null> => {
      const cached = await findCachedPackage(this.#layout.cacheDirs, pkg.name, pkg.version);
      if (cached === null) return null;
      const path = join(directory, cached.path.slice(cached.path.lastIndexOf('/') + 1));
      await copyFile(cached.path, path);
      return { path, via: 'cache' };
    },
    availability: async (name, version, signal) => {
      this.#requireValidSpecs([{ name, version }]);
      if ((await findCachedPackage(this.#layout.cacheDirs, name, version)) !== null) return 'cache';
      const offered = await this.#syncVersion(name, signal);
      return offered !== null && vercmp(offered, version) === 0 ? 'repo' : 'none';
    },
    installFiles: (paths, ctx) => this.#mutate(['-U', '--', ...paths], ctx),
  };

  /**
   * Arch supports no partial upgrades, so a patch apply of a subset is refused, and its
   * repositories carry no advisory metadata, so security_only is refused too (an arch-audit feed
   * describes updates but is no repository metadata pacman could select by). Versions other than
   * the one the repositories offer come from package files in the cache, which is also where a
   * rollback finds old versions.
   */
  capabilities(): BackendCapabilities {
    return {
      operations: {
        install: { version_pin: true, dry_run: true },
        update: { downgrade: true, dry_run: true },
        remove: { cascade: true, dry_run: true },
        patch_apply: { selected: false, security_only: false, pinned_versions: true, dry_run: true },
        rollback: { sources: ['store', 'repo', 'cache'] },
        deployments: false,
      },
      advisories: {
        security: this.#advisoryFeeds().arch_audit_json !== null,
        severity: this.#advisoryFeeds().arch_audit_json !== null,
        advisory_ids: this.#advisoryFeeds().arch_audit_json !== null,
        cves: this.#advisoryFeeds().arch_audit_json !== null,
        url: this.#advisoryFeeds().arch_audit_json !== null,
        feeds: ['arch_audit_json'],
      },
      held_back_reasons: ['ignored'],
      reboot_forecast: true,
    };
  }

  /** `pacman -V` prints a banner with `Pacman v6.0.2 - libalpm v13.0.2`. */
  async packageManagerVersion(signal?: AbortSignal): Promise<string | null> {
    const result = await this.#read(['-V'], signal);
    return /Pacman v(\S+)/.exec(result.stdout)?.[1] ?? null;
  }

  /** The sync databases, by content. */
  async indexFingerprint(): Promise<string> {
    const syncDir = join(this.#layout.dbPath, 'sync');
    let entries: string[] = [];
    try {
      entries = (await readdir(syncDir)).filter((entry) => entry.endsWith('.db')).map((entry) => join(syncDir, entry));
    } catch {
      /* never synced */
    }
    return fingerprintFiles(entries);
  }

  /** A pair is available when installed, in the package cache, or the version the repositories offer. */
  async findUnavailableVersions(specs: readonly Required<PackageSpec>[], signal?: AbortSignal): Promise<Required<PackageSpec>[]> {
    if (specs.length === 0) return [];
    this.#requireValidSpecs(specs);
    const installed = new Map((await this.#localDb.list()).map((pkg) => [pkg.name, pkg.version]));
    const missing: Required<PackageSpec>[] = [];
    for (const spec of specs) {
      if (installed.get(spec.name) === spec.version) continue;
      if ((await findCachedPackage(this.#layout.cacheDirs, spec.name, spec.version)) !== null) continue;
      const offered = await this.#syncVersion(spec.name, signal);
      if (offered !== null && vercmp(offered, spec.version) === 0) continue;
      missing.push({ name: spec.name, version: spec.version });
    }
    return missing;
  }

  // ---- reads ---------------------------------------------------------------------------------

  async listInstalled(): Promise<InstalledPackage[]> {
    return this.#localDb.list();
  }

  async getPackage(name: string, signal?: AbortSignal): Promise<PackageDetails | null> {
    this.#requireValidNames([name]);
    const installed = (await this.#localDb.list()).find((pkg) => pkg.name === name);
    if (installed === undefined) return null;
    const upgrade = (await this.listUpgrades(signal)).find((candidate) => candidate.name === name);
    return { ...installed, upgradable: upgrade !== undefined, available_version: upgrade?.available_version ?? null };
  }

  /**
   * `pacman -Qu`: exit 1 with no error line means nothing is upgradable. Packages pacman.conf
   * ignores (IgnorePkg/IgnoreGroup) are listed held back as `ignored`. The answer depends only on the local db, the sync dbs and pacman.conf (IgnorePkg), so it is
   * reused while none of them changed.
   */
  async listUpgrades(signal?: AbortSignal): Promise<Upgrade[]> {
    const signature = await this.#upgradeInputsSignature();
    let lines = signature !== null && this.#upgrades?.signature === signature ? this.#upgrades.lines : null;
    if (lines === null) {
      const result = await this.#read(['-Qu'], signal);
      if (result.exitCode !== 0 && (result.exitCode !== 1 || /^error:/m.test(result.stderr))) {
        throw this.#failure('listing upgrades', result);
      }
      lines = parseUpgradeList(result.stdout);
      this.#upgrades = signature === null ? null : { signature, lines };
    }
    const installed = new Map((await this.#localDb.list()).map((pkg) => [pkg.name, pkg]));
    const ignores = lines.some((line) => line.ignored) ? await this.#ignoreLists() : null;
    const feed = this.#advisoryFeeds().arch_audit_json;
    const avgs = feed === null ? null : await this.#archAudit.read(feed);
    return lines.map((line): Upgrade => {
      // Arch's repositories publish no advisory metadata; only the operator's arch-audit feed does.
      // Without it an update is neither known security nor known non-security.
      const records =
        avgs === null
          ? undefined
          : archAuditAdvisories(avgs.get(line.name) ?? [], line.currentVersion, line.availableVersion, vercmp);
      const highest = records?.reduce<AdvisorySeverity>((top, record) => higherSeverity(top, record.severity), 'unknown');
      return {
        name: line.name,
        current_version: line.currentVersion,
        available_version: line.availableVersion,
        architecture: installed.get(line.name)?.architecture ?? null,
        security: records === undefined ? null : records.length > 0,
        severity: highest === undefined || highest === 'unknown' ? null : highest,
        advisories: records?.map((record) => record.id) ?? [],
        repository: null,
        held_back:
          ignores === null || !line.ignored
            ? null
            : { reason: 'ignored', detail: ignoreDetail(line.name, ignores, this.#layout.configFile) },
        ...(records === undefined ? {} : { advisory_records: records }),
      };
    });
  }

  async #ignoreLists(): Promise<IgnoreLists> {
    try {
      return parseIgnoreLists(await readFile(this.#layout.configFile, 'utf8'));
    } catch {
      return { packages: [], groups: [] };
    }
  }

  // ---- mutations -----------------------------------------------------------------------------

  async install(specs: readonly PackageSpec[], ctx: OperationContext): Promise<OperationOutput> {
    this.#requireValidSpecs(specs);
    const targets = await this.#resolveTargets(specs, ctx.signal);
    return this.#runTargets(targets, ctx);
  }

  /**
   * The targets as install() runs them, then `pacman -D --asdeps` for the new packages the request
   * did not name: pacman records a package named on its command line as explicitly installed, and
   * an upgraded or downgraded one keeps its reason by itself.
   */
  async installPlanned(
    specs: readonly Required<PackageSpec>[],
    requested: readonly string[],
    ctx: OperationContext,
  ): Promise<OperationOutput> {
    this.#requireValidSpecs(specs);
    const named = new Set(requested);
    const installedBefore = new Set((await this.#localDb.list()).map((pkg) => pkg.name));
    const { output } = await this.#runTargets(await this.#resolveTargets(specs, ctx.signal), ctx);
    const dependencies = specs.map((spec) => spec.name).filter((name) => !named.has(name) && !installedBefore.has(name));
    if (dependencies.length === 0) return { output };
    const marked = await this.#mutate(['-D', '--asdeps', '--', ...dependencies], ctx);
    return { output: `${output}\n${marked.output}` };
  }

  async update(name: string, version: string | undefined, ctx: OperationContext): Promise<OperationOutput> {
    this.#requireValidSpecs([version === undefined ? { name } : { name, version }]);
    await this.#requireInstalled([name]);
    const targets = await this.#resolveTargets([version === undefined ? { name } : { name, version }], ctx.signal);
    return this.#runTargets(targets, ctx);
  }

  /**
   * `pacman -R --cascade`: like apt-get remove and dnf remove, packages that depend on a removed
   * package go with it (planRemove shows them first); dependencies nothing needs any more (orphans)
   * stay installed for the admin to judge. The core's rollback removes before it reinstalls, which
   * needs this: undoing an upgrade that pulled in a new dependency removes that dependency first.
   */
  async remove(names: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    this.#requireValidNames(names);
    await this.#requireInstalled(names);
    return this.#mutate(['-R', '--cascade', '--', ...names], ctx);
  }

  /**
   * A full `-Su`. A package list is accepted only when it names every upgradable package (so
   * "apply what /patches shows" works); a subset would be a partial upgrade and is refused.
   */
  async applyUpgrades(selection: UpgradeSelection, ctx: OperationContext): Promise<OperationOutput> {
    await this.#requireWholeSystemSelection(selection, ctx.signal);
    return this.#mutate(['-Su'], ctx);
  }

  async planInstall(specs: readonly PackageSpec[], signal?: AbortSignal): Promise<PlannedChange[]> {
    this.#requireValidSpecs(specs);
    const targets = await this.#resolveTargets(specs, signal);
    const files = targets.filter((target) => target.kind === 'file').map((target) => target.path);
    const names = targets.filter((target) => target.kind === 'sync').map((target) => target.name);
    const printed: PrintedTarget[] = [];
    if (files.length > 0) printed.push(...(await this.#print(['-Up', '--print-format', PRINT_FORMAT, '--', ...files], signal)));
    if (names.length > 0) {
      printed.push(...(await this.#print(['-Sp', '--needed', '--print-format', PRINT_FORMAT, '--', ...names], signal)));
    }
    return this.#planFromTargets(printed);
  }

  async planRemove(names: readonly string[], signal?: AbortSignal): Promise<PlannedChange[]> {
    this.#requireValidNames(names);
    await this.#requireInstalled(names);
    const printed = await this.#print(['-Rp', '--cascade', '--print-format', PRINT_FORMAT, '--', ...names], signal);
    return printed.map((target) => ({ name: target.name, action: 'removed', from_version: target.version, to_version: null }));
  }

  /**
   * The whole-system plan (`-Sup`) without a package list. With one, the plan of updating just
   * those (`-Sp --needed`, what update() runs): the core plans a package update this way, so a
   * package list is not refused here; applyUpgrades refuses it unless it is the whole upgrade.
   */
  async planUpgrades(selection: UpgradeSelection, signal?: AbortSignal): Promise<PlannedChange[]> {
    if (selection.securityOnly) throw securityOnlyRefusal();
    if (selection.names === null)
      return this.#planFromTargets(await this.#print(['-Sup', '--print-format', PRINT_FORMAT], signal));
    this.#requireValidNames(selection.names);
    return this.#planFromTargets(
      await this.#print(['-Sp', '--needed', '--print-format', PRINT_FORMAT, '--', ...selection.names], signal),
    );
  }

  /** `pacman -Syy`: always re-downloads, since a database republished within one second is skipped by `-Sy`. */
  async refreshCache(ctx: OperationContext): Promise<OperationOutput> {
    return this.#mutate(['-Syy'], ctx);
  }

  /** From pacman.log: pacman records every change it makes, with the time. */
  lastUpdateTime(): Promise<Date | null> {
    return readLastPacmanChange(this.#layout.logFile);
  }

  async lastCacheUpdate(): Promise<Date | null> {
    const syncDir = join(this.#layout.dbPath, 'sync');
    let entries: string[];
    try {
      entries = (await readdir(syncDir)).filter((entry) => entry.endsWith('.db'));
    } catch {
      return null;
    }
    let latest: number | null = null;
    for (const entry of entries) {
      try {
        const { mtimeMs } = await stat(join(syncDir, entry));
        if (latest === null || mtimeMs > latest) latest = mtimeMs;
      } catch {
        /* removed meanwhile */
      }
    }
    return latest === null ? null : new Date(latest);
  }

  isFetchError(output: string): boolean {
    return isFetchError(output);
  }

  readonly namePattern = NAME_PATTERN;

  validateName(name: string): string | null {
    return validatePackageName(name);
  }

  validateVersion(version: string): string | null {
    return validatePackageVersion(version);
  }

  compareVersions(a: string, b: string): number {
    return vercmp(a, b);
  }

  findLockHolder(): Promise<LockHolder | null> {
    return this.#lock.holder();
  }

  /**
   * pacman has no half-configured state to finish, but a pacman stopped by a signal leaves db.lck
   * behind. The lock is removed only when it dates from a run of ours that was stopped and no
   * process has it open; any other lock is reported and left alone. Then `pacman -Dk` checks the
   * local database's consistency.
   */
  async repair(ctx: OperationContext): Promise<RepairOutcome> {
    const notes: string[] = [];
    let needed = false;
    const holder = await this.#lock.holder();
    if (holder !== null) {
      needed = true;
      if (holder.pid !== null) {
        return {
          needed,
          consistent: false,
          output: `${holder.path} is held by pid ${holder.pid}; not touching the database while it runs`,
        };
      }
      if (await this.#lockIsFromOurInterruptedRun()) {
        await rm(holder.path, { force: true });
        notes.push(`removed ${holder.path}, left behind by a pacman run this agent stopped`);
      } else {
        return {
          needed,
          consistent: false,
          output: `${holder.path} exists and no process has it open; it was not left by this agent, so it stays (remove it by hand if no pacman is running)`,
        };
      }
    }
    this.#interrupted = [];
    const check = await this.#run(['-Dk'], { signal: ctx.signal, timeoutMs: ctx.timeoutMs, onLog: ctx.onLog });
    notes.push(check.output.trim());
    return { needed: needed || check.result.exitCode !== 0, consistent: check.result.exitCode === 0, output: notes.join('\n') };
  }

  /** Arch keeps no reboot flag; an upgraded kernel removes the running kernel's module directory. */
  async rebootRequired(): Promise<boolean> {
    return (await this.restartForecast.rebootFlag()).required;
  }

  // ---- internals -----------------------------------------------------------------------------

  #requireValidNames(names: readonly string[]): void {
    if (names.length === 0) throw new LpaError('LPA_ERR_VALIDATION', 'no package names given');
    for (const name of names) {
      const reason = validatePackageName(name);
      if (reason !== null) throw new LpaError('LPA_ERR_VALIDATION', `invalid package name: ${reason}`, { details: { name } });
    }
  }

  #requireValidSpecs(specs: readonly PackageSpec[]): void {
    this.#requireValidNames(specs.map((spec) => spec.name));
    for (const spec of specs) {
      if (spec.version === undefined) continue;
      const reason = validatePackageVersion(spec.version);
      if (reason !== null) {
        throw new LpaError('LPA_ERR_VALIDATION', `invalid version for ${spec.name}: ${reason}`, {
          details: { name: spec.name, version: spec.version },
        });
      }
    }
  }

  async #requireInstalled(names: readonly string[]): Promise<void> {
    const installed = new Set((await this.#localDb.list()).map((pkg) => pkg.name));
    const missing = names.filter((name) => !installed.has(name));
    if (missing.length > 0) {
      throw new LpaError('LPA_ERR_NOT_FOUND', `not installed: ${missing.join(', ')}`, { details: { packages: missing } });
    }
  }

  async #requireWholeSystemSelection(selection: UpgradeSelection, signal?: AbortSignal): Promise<void> {
    if (selection.securityOnly) throw securityOnlyRefusal();
    if (selection.names === null) return;
    this.#requireValidNames(selection.names);
    const requested = new Set(selection.names);
    // -Su keeps ignored packages back by itself; only the others must all be named.
    const leftBehind = (await this.listUpgrades(signal))
      .filter((upgrade) => (upgrade.held_back ?? null) === null)
      .map((upgrade) => upgrade.name)
      .filter((name) => !requested.has(name));
    if (leftBehind.length > 0) {
      throw new LpaError(
        'LPA_ERR_VALIDATION',
        `pacman does not support partial upgrades: applying only the named packages would leave ${leftBehind.join(', ')} behind; ` +
          'apply without a package list (a full -Su) instead',
        { details: { left_behind: leftBehind } },
      );
    }
  }

  /**
   * A version can be installed from the sync repositories only when it is the one they offer;
   * any other version must come from a package file in the cache.
   */
  async #resolveTargets(specs: readonly PackageSpec[], signal?: AbortSignal): Promise<Target[]> {
    const targets: Target[] = [];
    for (const spec of specs) {
      if (spec.version === undefined) {
        targets.push({ kind: 'sync', name: spec.name });
        continue;
      }
      const cached = await findCachedPackage(this.#layout.cacheDirs, spec.name, spec.version);
      if (cached !== null) {
        targets.push({ kind: 'file', name: spec.name, path: cached.path });
        continue;
      }
      const offered = await this.#syncVersion(spec.name, signal);
      if (offered !== null && (offered === spec.version || vercmp(offered, spec.version) === 0)) {
        targets.push({ kind: 'sync', name: spec.name });
        continue;
      }
      throw new LpaError(
        'LPA_ERR_BACKEND',
        `${spec.name} ${spec.version} is not in the package cache (${this.#layout.cacheDirs.join(', ')}) and ` +
          (offered === null ? 'no repository offers the package' : `the repositories offer only ${offered}`) +
          '; pacman installs other versions only from a package file',
        { details: { name: spec.name, version: spec.version, available_version: offered, cache_dirs: this.#layout.cacheDirs } },
      );
    }
    return targets;
  }

  /** The version the sync repositories offer for `name`, or null when none does. */
  async #syncVersion(name: string, signal?: AbortSignal): Promise<string | null> {
    const result = await this.#read(['-Sp', '--print-format', PRINT_FORMAT, '--', name], signal);
    if (result.exitCode !== 0) {
      if (missingTargets(result.stderr).includes(name)) return null;
      throw this.#failure(`looking up ${name}`, result);
    }
    return parsePrintedTargets(result.stdout).find((target) => target.name === name)?.version ?? null;
  }

  async #runTargets(targets: readonly Target[], ctx: OperationContext): Promise<OperationOutput> {
    const files = targets.filter((target) => target.kind === 'file').map((target) => target.path);
    const names = targets.filter((target) => target.kind === 'sync').map((target) => target.name);
    const outputs: string[] = [];
    if (files.length > 0) outputs.push((await this.#mutate(['-U', '--', ...files], ctx)).output);
    if (names.length > 0) outputs.push((await this.#mutate(['-S', '--needed', '--', ...names], ctx)).output);
    return { output: outputs.join('\n') };
  }

  async #planFromTargets(printed: readonly PrintedTarget[]): Promise<PlannedChange[]> {
    const installed = new Map((await this.#localDb.list()).map((pkg) => [pkg.name, pkg.version]));
    const plan: PlannedChange[] = [];
    for (const target of printed) {
      const current = installed.get(target.name);
      if (current === undefined) {
        plan.push({ name: target.name, action: 'installed', from_version: null, to_version: target.version });
        continue;
      }
      const order = vercmp(target.version, current);
      if (order === 0) continue;
      plan.push({
        name: target.name,
        action: order > 0 ? 'upgraded' : 'downgraded',
        from_version: current,
        to_version: target.version,
      });
    }
    return plan;
  }

  async #print(args: string[], signal?: AbortSignal): Promise<PrintedTarget[]> {
    const result = await this.#read(args, signal);
    if (result.exitCode !== 0) throw this.#failure('planning', result);
    return parsePrintedTargets(result.stdout);
  }

  async #read(args: string[], signal?: AbortSignal): Promise<CommandResult> {
    const result = await this.#runner.run({
      file: this.#pacman,
      args: [...this.#layout.globalArgs, ...args],
      timeoutMs: READ_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    if (result.timedOut) throw new LpaError('LPA_ERR_TIMEOUT', `pacman ${args[0]} timed out`);
    if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', `pacman ${args[0]} was cancelled`);
    return result;
  }

  /**
   * Runs a database-changing pacman command: waits (bounded) for db.lck, runs, and if pacman still
   * lost the race for the lock, waits again within the same bound.
   */
  async #mutate(args: string[], ctx: OperationContext): Promise<OperationOutput> {
    const deadline = Date.now() + Math.max(0, ctx.lockWaitSeconds) * 1000;
    for (;;) {
      await this.#lock.waitUntilFree(Math.max(0, (deadline - Date.now()) / 1000), ctx.signal);
      const progress = new ProgressTracker();
      // -D (database) accepts no --noprogressbar; it downloads nothing anyway.
      const { result, output } = await this.#run(args[0] === '-D' ? args : ['--noprogressbar', ...args], {
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
        onLog: (line) => {
          ctx.onLog(line);
          const step = progress.update(line);
          if (step !== null) ctx.onProgress(step.percent, step.message);
        },
      });
      if (result.timedOut)
        throw new LpaError('LPA_ERR_TIMEOUT', `pacman ${args[0]} timed out`, { details: { output: tail(output) } });
      if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', `pacman ${args[0]} was cancelled`);
      if (result.exitCode === 0) {
        ctx.onProgress(100);
        return { output };
      }
      if (isLockError(output) && Date.now() < deadline) continue;
      if (isLockError(output)) throw await this.#lock.lockedError(ctx.lockWaitSeconds);
      throw this.#failure(`pacman ${args[0]}`, { ...result, stdout: output, stderr: '' });
    }
  }

  async #run(
    args: string[],
    options: { signal: AbortSignal; timeoutMs: number; onLog: (line: string) => void },
  ): Promise<{ result: CommandResult; output: string }> {
    const lines: string[] = [];
    const startedMs = Date.now();
    const result = await this.#runner.run({
      file: this.#pacman,
      args: [...this.#layout.globalArgs, ...args],
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      onLine: (line) => {
        lines.push(line);
        options.onLog(line);
      },
    });
    if (result.timedOut || result.aborted || result.signal !== null) {
      this.#interrupted.push({ startedMs, endedMs: Date.now() });
      this.#logger.warn({ args, signal: result.signal }, 'pacman was stopped before it finished');
    }
    // Runners that do not stream lines (recorded transcripts) still return the whole output.
    const output = lines.length > 0 ? lines.join('\n') : [result.stdout, result.stderr].filter(Boolean).join('\n');
    return { result, output };
  }

  /** Modification times (ns), sizes and inodes of everything `-Qu` reads; null when one cannot be read. */
  async #upgradeInputsSignature(): Promise<string | null> {
    const syncDir = join(this.#layout.dbPath, 'sync');
    const paths = [join(this.#layout.dbPath, 'local'), this.#layout.configFile, syncDir];
    try {
      paths.push(...(await readdir(syncDir)).filter((entry) => entry.endsWith('.db')).map((entry) => join(syncDir, entry)));
    } catch {
      /* no sync dir yet */
    }
    const parts: string[] = [];
    for (const path of paths) {
      try {
        const info = await stat(path, { bigint: true });
        parts.push(`${path}:${info.mtimeNs}:${info.size}:${info.ino}`);
      } catch {
        return null;
      }
    }
    return parts.join('|');
  }

  async #lockIsFromOurInterruptedRun(): Promise<boolean> {
    let lockMtimeMs: number;
    try {
      lockMtimeMs = (await stat(this.#lock.path)).mtimeMs;
    } catch {
      return false;
    }
    // File times are coarser than Date.now(); allow a little slack on both ends.
    return this.#interrupted.some((run) => lockMtimeMs >= run.startedMs - 1000 && lockMtimeMs <= run.endedMs + 1000);
  }

  #failure(what: string, result: CommandResult): LpaError {
    const output = [result.stdout, result.stderr].filter(Boolean).join('\n');
    const code = isFetchError(output) ? 'LPA_ERR_FETCH' : 'LPA_ERR_BACKEND';
    return new LpaError(code, `${what} failed: ${errorSummary(output)}`, {
      details: { exit_code: result.exitCode, output: tail(output) },
    });
  }
}

function securityOnlyRefusal(): LpaError {
  return new LpaError(
    'LPA_ERR_VALIDATION',
    'security_only cannot be honoured on Arch: its repositories carry no security advisory metadata; apply all updates instead',
  );
}

function tail(output: string): string {
  return output.split('\n').slice(-20).join('\n');
}
