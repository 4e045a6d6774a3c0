import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  AdvisoryFeeds,
  BackendCapabilities,
  BackendContext,
  BackendInfo,
  CommandRunner,
  InstalledPackage,
  LockHolder,
  Logger,
  OperationContext,
  OperationOutput,
  PackageDetails,
  PackageManagerBackend,
  PackageSpec,
  PlannedChange,
  RepairOutcome,
  Upgrade,
  UpgradeSelection,
} from '@linux-patch-api/core';
import { fingerprintFiles, higherSeverity, LpaError, parseOsRelease } from '@linux-patch-api/core';
import { type AptPaths, aptPaths, updateStampPath, writeAptConfig } from './apt-config.js';
import { isAptFetchError, isAptLockError, isAptUnknownPackage, lockHolderFromOutput } from './apt-errors.js';
import { findAptLockHolder } from './apt-locks.js';
import { type PolicyEntry, parseAptPolicy } from './apt-policy.js';
import { AptRestartForecast } from './apt-restart-forecast.js';
import { AptRollbackFiles } from './apt-rollback-files.js';
import { AutoMarks } from './auto-marks.js';
import { DebianTrackerFeed, parseSourcePackages, trackerAdvisories } from './debian-tracker.js';
import { compareDebianVersions } from './debian-version.js';
import { readLastDpkgChange } from './dpkg-log.js';
import { markHeldBack, parseKeptBack } from './held-back.js';
import { fileIdentity, InstalledSet } from './installed-set.js';
import { NAME_PATTERN, validateDebianVersion, validatePackageName } from './package-grammar.js';
import { parsePlanSummary } from './plan-summary.js';
import { statusProgressReporter } from './status-fd.js';
import { parseUpgradableList } from './upgradable-list.js';

const APT_GET = '/usr/bin/apt-get';
const APT = '/usr/bin/apt';
const APT_CACHE = '/usr/bin/apt-cache';
const DPKG = '/usr/bin/dpkg';
/**
 * Plans read apt's change summary and stop before any download (--print-uris), without locking, so
 * they never wait behind a running mutation. This costs about half a simulation (`-s`), which
 * also orders and replays the whole dpkg run.
 */
const PLAN = ['-q', '-V', '--print-uris', '-o', 'Debug::NoLocking=1'];
const READ_TIMEOUT_MS = 120_000;
const OUTPUT_TAIL_LINES = 2000;
const INDEX_DOWNLOAD_FAILED = /^[WE]: (?:Failed to fetch|Some index files failed to download)/m;

/** The apt/dpkg backend for Debian and Ubuntu, on the running system or on `backend.root`. */
export class AptBackend implements PackageManagerBackend {
  private readonly paths: AptPaths;
  private readonly installed: InstalledSet;
  private readonly runner: CommandRunner;
  private readonly logger: Logger;
  private readonly env: Record<string, string>;
  private readonly updateStamp: string;
  private upgrades: { key: string; value: Promise<Upgrade[]> } | null = null;
  /** Moves whenever the upgrade list is dropped for a reason its key does not show (apt ran, a failure). */
  private upgradesEpoch = 0;
  private readonly advisoryFeeds: () => Readonly<AdvisoryFeeds>;
  private readonly tracker = new DebianTrackerFeed();
  readonly rollbackFiles: AptRollbackFiles;
  readonly restartForecast: AptRestartForecast;
  private readonly autoMarks: AutoMarks;

  private constructor(
    private readonly root: string | null,
    context: BackendContext,
    aptConfig: string | null,
  ) {
    this.paths = aptPaths(root);
    this.installed = new InstalledSet(this.paths.statusFile);
    this.runner = context.runner;
    this.logger = context.logger;
    this.advisoryFeeds =
      context.advisoryFeeds ?? (() => ({ debian_tracker_json: null, alpine_secdb_json: null, arch_audit_json: null }));
    this.env = {
      DEBIAN_FRONTEND: 'noninteractive',
      APT_LISTCHANGES_FRONTEND: 'none',
      ...(aptConfig === null ? {} : { APT_CONFIG: aptConfig }),
    };
    this.updateStamp = updateStampPath(root, context.stateDir);
    this.restartForecast = new AptRestartForecast(this.paths.root, this.paths.dpkgDir);
    this.autoMarks = new AutoMarks(this.runner, this.env);
    this.rollbackFiles = new AptRollbackFiles({
      root,
      archivesDir: this.paths.archivesDir,
      runner: this.runner,
      env: this.env,
      install: (paths, ctx) => this.mutate(['install', '--allow-downgrades', '--', ...paths], ctx),
    });
  }

  static async create(context: BackendContext): Promise<AptBackend> {
    const root = context.root === null ? null : context.root.replace(/\/+$/, '') || '/';
    const aptConfig = root === null || root === '/' ? null : await writeAptConfig(root, context.stateDir);
    return new AptBackend(root === '/' ? null : root, context, aptConfig);
  }

  info(): BackendInfo {
    return { packageManager: 'apt', root: this.root };
  }

  /**
   * apt installs and downgrades to any version an index offers (`name=version`,
   * `--allow-downgrades`), removes what depends on a removed package, and tells security updates by
   * their suite; it has no severities or advisory ids. A rollback takes the old version from the
   * rollback store (kept from the archives cache, `apt-get download` or `dpkg-repack`), else from an
   * index: `apt-get install name=version` cannot use an archive that no index lists.
   */
  capabilities(): BackendCapabilities {
    return {
      operations: {
        install: { version_pin: true, dry_run: true },
        update: { downgrade: true, dry_run: true },
        remove: { cascade: true, dry_run: true },
        patch_apply: { selected: true, security_only: true, pinned_versions: true, dry_run: true },
        rollback: { sources: ['store', 'repo'] },
        deployments: false,
      },
      advisories: {
        security: true,
        severity: this.advisoryFeeds().debian_tracker_json !== null,
        advisory_ids: this.advisoryFeeds().debian_tracker_json !== null,
        cves: this.advisoryFeeds().debian_tracker_json !== null,
        url: this.advisoryFeeds().debian_tracker_json !== null,
        feeds: ['debian_tracker_json'],
      },
      held_back_reasons: ['held', 'pinned', 'phased', 'dependency'],
      reboot_forecast: true,
    };
  }

  /** `apt-get --version`: `apt 2.6.1 (amd64)`. */
  async packageManagerVersion(signal?: AbortSignal): Promise<string | null> {
    const result = await this.runner.run({
      file: APT_GET,
      args: ['--version'],
      env: this.env,
      timeoutMs: READ_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    return /^apt (\S+)/m.exec(result.stdout)?.[1] ?? null;
  }

  /** The package lists and their Release/InRelease files, by content. */
  async indexFingerprint(): Promise<string> {
    let entries: string[] = [];
    try {
      entries = (await readdir(this.paths.listsDir, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && entry.name !== 'lock')
        .map((entry) => join(this.paths.listsDir, entry.name));
    } catch {
      /* never refreshed */
    }
    return fingerprintFiles(entries);
  }

  /** `apt-cache madison` lists every version the indexes offer; the installed version counts too. */
  async findUnavailableVersions(specs: readonly Required<PackageSpec>[], signal?: AbortSignal): Promise<Required<PackageSpec>[]> {
    if (specs.length === 0) return [];
    this.specArguments(specs);
    const names = [...new Set(specs.map((spec) => spec.name))];
    const result = await this.runner.run({
      file: APT_CACHE,
      args: ['madison', '-o', 'Debug::NoLocking=1', '--', ...names],
      env: this.env,
      timeoutMs: READ_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    if (result.exitCode !== 0) {
      throw new LpaError('LPA_ERR_BACKEND', `apt-cache madison failed: ${lastError(result.stdout + result.stderr)}`);
    }
    const offered = new Set<string>();
    for (const line of result.stdout.split('\n')) {
      const [name, version] = line.split('|').map((field) => field.trim());
      if (name && version) offered.add(`${name}=${version}`);
    }
    const missing: Required<PackageSpec>[] = [];
    for (const spec of specs) {
      if (offered.has(`${spec.name}=${spec.version}`)) continue;
      const installed = await this.installed.get(spec.name);
      if (installed?.version === spec.version && installed.status !== 'config-files') continue;
      missing.push({ name: spec.name, version: spec.version });
    }
    return missing;
  }

  // ---- reads -------------------------------------------------------------------------------

  async listInstalled(): Promise<InstalledPackage[]> {
    return [...(await this.installed.list())];
  }

  async getPackage(name: string): Promise<PackageDetails | null> {
    this.assertNames([name]);
    const pkg = await this.installed.get(name);
    if (!pkg) return null;
    const upgrade = (await this.listUpgrades()).find((u) => u.name === pkg.name || u.name === name);
    return { ...pkg, upgradable: upgrade !== undefined, available_version: upgrade?.available_version ?? null };
  }

  /**
   * `apt list --upgradable`, cached until the status file, the package lists, the sources or the
   * preferences change, so a repeated GET /patches costs a few stat() calls.
   */
  async listUpgrades(): Promise<Upgrade[]> {
    const key = this.upgradeCacheKey();
    if (this.upgrades?.key !== key) {
      // Shared by every concurrent caller, so no single caller's signal may cancel it.
      const value = this.computeUpgrades().then((list) =>
        list.map((u) => Object.freeze({ ...u, advisories: Object.freeze(u.advisories) as string[] })),
      );
      this.upgrades = { key, value };
      value.catch(() => {
        if (this.upgrades?.value === value) this.dropUpgrades();
      });
    }
    return [...(await this.upgrades.value)];
  }

  /**
   * Every input of the upgrade list (upgradeCacheKey: it starts with the dpkg status file and its
   * journal, all the installed set is read from) and the epoch of the kept list: equal values mean
   * listInstalled() and listUpgrades() answer the same.
   */
  inventoryGeneration(): string {
    return `${this.upgradeCacheKey()}|${this.upgradesEpoch}`;
  }

  private dropUpgrades(): void {
    this.upgrades = null;
    this.upgradesEpoch++;
  }

  /**
   * After apt changed something, work out the new upgrade list in the background, so the next
   * GET /packages or /patches does not wait for apt. Failures surface on the next real call.
   */
  private prefetchUpgrades(): void {
    this.listUpgrades().catch(() => {});
  }

  private async computeUpgrades(): Promise<Upgrade[]> {
    // What dist-upgrade would keep back needs a resolver run of its own; it runs beside the
    // listing, so a cold list costs about one apt run of wall time instead of two. With apt
    // preferences any installed package may be pinned, so their policy is read beside them too.
    const listingRun = this.runner.run({
      file: APT,
      args: ['list', '--upgradable', '-q', '-o', 'Debug::NoLocking=1'],
      env: this.env,
      timeoutMs: READ_TIMEOUT_MS,
    });
    const resolutionRun = this.read(APT_GET, [...PLAN, 'dist-upgrade']);
    // One reading of the installed set for the whole computation.
    const installedRead = this.installed.list();
    const pinnablePolicyRun = installedRead.then(async (installed) => {
      if (!(await this.hasPreferences())) return new Map<string, PolicyEntry>();
      const names = new Set(installed.filter((pkg) => pkg.status === 'installed').map((pkg) => pkg.name));
      return names.size === 0 ? new Map<string, PolicyEntry>() : this.policyOf([...names]);
    });
    const [listing, resolution, pinnablePolicy] = await Promise.allSettled([listingRun, resolutionRun, pinnablePolicyRun]);
    if (listing.status === 'rejected') throw listing.reason;
    const result = listing.value;
    if (result.exitCode !== 0) {
      const output = `${result.stdout}${result.stderr}`;
      throw new LpaError('LPA_ERR_BACKEND', `apt list --upgradable failed: ${lastError(output)}`, {
        details: { exit_code: result.exitCode, output: tail(output, 20) },
      });
    }
    const upgradable = parseUpgradableList(result.stdout);
    const installed = await installedRead;
    const holds = await this.installed.holds();
    let keptBack = new Set<string>();
    if (upgradable.length > 0) {
      if (resolution.status === 'rejected') throw resolution.reason;
      keptBack = parseKeptBack(resolution.value);
    }
    if (pinnablePolicy.status === 'rejected') throw pinnablePolicy.reason;
    const policy = pinnablePolicy.value;
    // Phasing is read from the policy of what apt keeps back without a hold.
    const unread = [...keptBack].filter((name) => !holds.has(name) && !policy.has(name));
    if (unread.length > 0) for (const [name, entry] of await this.policyOf(unread)) policy.set(name, entry);
    const marked = markHeldBack({ upgradable, holds, keptBack, policy, installed, compare: compareDebianVersions });
    return this.withTrackerAdvisories(marked);
  }

  private async policyOf(names: readonly string[]): Promise<Map<string, PolicyEntry>> {
    return parseAptPolicy(await this.read(APT_CACHE, ['policy', '-o', 'Debug::NoLocking=1', '--', ...names]));
  }

  /**
   * With `advisories.debian_tracker_json` configured: each update's CVEs from the Debian security
   * tracker, joined by source package and fixed version for this root's release (VERSION_CODENAME).
   */
  private async withTrackerAdvisories(upgrades: Upgrade[]): Promise<Upgrade[]> {
    const path = this.advisoryFeeds().debian_tracker_json;
    if (path === null || upgrades.length === 0) return upgrades;
    const codename = await this.releaseCodename();
    if (codename === null) {
      this.logger.warn({ path }, 'the root names no VERSION_CODENAME; the Debian security tracker cannot be joined');
      return upgrades;
    }
    const fixes = await this.tracker.read(path, codename);
    const specs = upgrades.map((upgrade) => `${upgrade.name}=${upgrade.available_version}`);
    const sources = parseSourcePackages(await this.read(APT_CACHE, ['show', '-o', 'Debug::NoLocking=1', '--', ...specs]));
    return upgrades.map((upgrade) => {
      const source = sources.get(`${upgrade.name}=${upgrade.available_version}`) ?? upgrade.name;
      const records = trackerAdvisories(
        fixes.get(source) ?? [],
        upgrade.current_version,
        upgrade.available_version,
        compareDebianVersions,
      );
      if (records.length === 0) return { ...upgrade, advisory_records: [] };
      const highest = records.reduce((top, record) => higherSeverity(top, record.severity), records[0]!.severity);
      return {
        ...upgrade,
        security: true,
        severity: highest === 'unknown' ? upgrade.severity : highest,
        advisories: records.map((record) => record.id),
        advisory_records: records,
      };
    });
  }

  private async releaseCodename(): Promise<string | null> {
    for (const file of ['etc/os-release', 'usr/lib/os-release']) {
      try {
        const release = parseOsRelease(await readFile(join(this.paths.root, file), 'utf8'));
        return release.fields.VERSION_CODENAME ?? null;
      } catch {
        /* try the next */
      }
    }
    return null;
  }

  /** Whether any apt preferences file exists: only then can a pin keep an update back. */
  private async hasPreferences(): Promise<boolean> {
    if (existsSync(join(this.paths.etcDir, 'preferences'))) return true;
    try {
      return (await readdir(join(this.paths.etcDir, 'preferences.d'))).some((name) => !name.startsWith('.'));
    } catch {
      return false;
    }
  }

  /** A read-only apt run; a failure is a BACKEND_ERROR with apt's own words. */
  private async read(file: string, args: readonly string[]): Promise<string> {
    const result = await this.runner.run({ file, args: [...args], env: this.env, timeoutMs: READ_TIMEOUT_MS });
    if (result.exitCode !== 0) {
      const output = `${result.stdout}${result.stderr}`;
      throw new LpaError(
        'LPA_ERR_BACKEND',
        `${file.split('/').pop()} ${args.find((a) => !a.startsWith('-') && !a.includes('='))} failed: ${lastError(output)}`,
        {
          details: { exit_code: result.exitCode, output: tail(output, 20) },
        },
      );
    }
    return result.stdout;
  }

  private upgradeCacheKey(): string {
    const watched = [
      this.paths.statusFile,
      join(this.paths.dpkgDir, 'updates'),
      this.paths.listsDir,
      join(this.paths.etcDir, 'sources.list'),
      join(this.paths.etcDir, 'sources.list.d'),
      join(this.paths.etcDir, 'preferences'),
      join(this.paths.etcDir, 'preferences.d'),
      join(this.paths.root, 'var/lib/apt/extended_states'),
      // Whether apt defers a phased update depends on the machine id.
      join(this.paths.root, 'etc/machine-id'),
      join(this.paths.root, 'etc/os-release'),
    ];
    const tracker = this.advisoryFeeds().debian_tracker_json;
    if (tracker !== null) watched.push(tracker);
    return watched.map(fileIdentity).join('|');
  }

  // ---- mutations ---------------------------------------------------------------------------

  async install(specs: readonly PackageSpec[], ctx: OperationContext): Promise<OperationOutput> {
    const args = this.specArguments(specs);
    const pinned = specs.some((s) => s.version !== undefined);
    return this.mutate(['install', ...(pinned ? ['--allow-downgrades'] : []), '--', ...args], ctx);
  }

  /**
   * One `apt-get install --allow-downgrades -- name=version …`, then `apt-mark auto` for what apt
   * marked manual only because it was named: packages the request did not name that were
   * automatically installed before, or are new (dependencies of the plan).
   */
  async installPlanned(
    specs: readonly Required<PackageSpec>[],
    requested: readonly string[],
    ctx: OperationContext,
  ): Promise<OperationOutput> {
    const args = this.specArguments(specs);
    const named = new Set(requested);
    const autoBefore = await this.autoMarks.read(ctx.signal);
    const installedBefore = new Set<string>();
    for (const spec of specs) {
      const pkg = await this.installed.get(spec.name);
      if (pkg !== null && pkg.status !== 'config-files') installedBefore.add(spec.name);
    }
    const output = await this.mutate(['install', '--allow-downgrades', '--', ...args], ctx);
    const dependencies = specs
      .map((spec) => spec.name)
      .filter((name) => !named.has(name) && (autoBefore.has(name) || !installedBefore.has(name)));
    await this.autoMarks.markAuto(dependencies, ctx.lockWaitSeconds, ctx.signal);
    return output;
  }

  async update(name: string, version: string | undefined, ctx: OperationContext): Promise<OperationOutput> {
    const [arg] = this.specArguments([version === undefined ? { name } : { name, version }]);
    await this.assertInstalled([name]);
    if (version === undefined) return this.mutate(['install', '--only-upgrade', '--', arg!], ctx);
    return this.mutate(['install', '--allow-downgrades', '--', arg!], ctx);
  }

  async remove(names: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    this.assertNames(names);
    await this.assertInstalled(names);
    return this.mutate(['remove', '--', ...names], ctx);
  }

  async applyUpgrades(selection: UpgradeSelection, ctx: OperationContext): Promise<OperationOutput> {
    const targets = await this.upgradeTargets(selection);
    if (targets === null) return this.mutate(['dist-upgrade'], ctx);
    if (targets.length === 0) {
      ctx.onProgress(100, 'nothing to upgrade');
      return { output: 'nothing to upgrade' };
    }
    return this.mutate(['install', '--only-upgrade', '--', ...targets], ctx);
  }

  async planInstall(specs: readonly PackageSpec[], signal?: AbortSignal): Promise<PlannedChange[]> {
    const args = this.specArguments(specs);
    const pinned = specs.some((s) => s.version !== undefined);
    return this.plan(['install', ...(pinned ? ['--allow-downgrades'] : []), '--', ...args], signal);
  }

  async planRemove(names: readonly string[], signal?: AbortSignal): Promise<PlannedChange[]> {
    this.assertNames(names);
    return this.plan(['remove', '--', ...names], signal);
  }

  async planUpgrades(selection: UpgradeSelection, signal?: AbortSignal): Promise<PlannedChange[]> {
    const targets = await this.upgradeTargets(selection);
    if (targets === null) return this.plan(['dist-upgrade'], signal);
    if (targets.length === 0) return [];
    return this.plan(['install', '--only-upgrade', '--', ...targets], signal);
  }

  /** null = everything (dist-upgrade); otherwise the names to upgrade. */
  private async upgradeTargets(selection: UpgradeSelection): Promise<string[] | null> {
    if (selection.names !== null) this.assertNames(selection.names);
    if (!selection.securityOnly) return selection.names === null ? null : [...selection.names];
    // apt would apply a held-back security update once it is named: those stay out.
    const security = (await this.listUpgrades())
      .filter((u) => u.security === true && (u.held_back ?? null) === null)
      .map((u) => u.name);
    return selection.names === null ? security : security.filter((name) => selection.names!.includes(name));
  }

  // ---- cache -------------------------------------------------------------------------------

  /** `apt-get update`; an index that failed to download fails the refresh even though apt exits 0 for it. */
  async refreshCache(ctx: OperationContext): Promise<OperationOutput> {
    const result = await this.mutate(['update'], ctx);
    if (INDEX_DOWNLOAD_FAILED.test(result.output)) {
      throw new LpaError('LPA_ERR_FETCH', `apt-get update failed: ${lastError(result.output, 'W: ')}`, {
        details: { output: tail(result.output, 20) },
      });
    }
    try {
      await mkdir(dirname(this.updateStamp), { recursive: true, mode: 0o700 });
      await writeFile(this.updateStamp, '');
      const now = new Date();
      await utimes(this.updateStamp, now, now);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not record the time of the package-list refresh');
    }
    return result;
  }

  /** From dpkg.log under the root: dpkg records every change, through apt or not. */
  lastUpdateTime(): Promise<Date | null> {
    return readLastDpkgChange(this.paths.dpkgLog);
  }

  async lastCacheUpdate(): Promise<Date | null> {
    let latest: number | null = null;
    for (const path of [this.updateStamp, this.paths.listsDir, this.paths.pkgcache]) {
      try {
        const { mtimeMs } = await stat(path);
        if (latest === null || mtimeMs > latest) latest = mtimeMs;
      } catch {
        /* not there yet */
      }
    }
    return latest === null ? null : new Date(latest);
  }

  isFetchError(output: string): boolean {
    return isAptFetchError(output);
  }

  // ---- grammar -----------------------------------------------------------------------------

  readonly namePattern = NAME_PATTERN;

  validateName(name: string): string | null {
    return validatePackageName(name);
  }

  validateVersion(version: string): string | null {
    return validateDebianVersion(version);
  }

  compareVersions(a: string, b: string): number {
    return compareDebianVersions(a, b);
  }

  // ---- locks, repair, reboot ---------------------------------------------------------------

  async findLockHolder(): Promise<LockHolder | null> {
    return findAptLockHolder(this.paths);
  }

  /** `dpkg --audit`; when it reports anything, `dpkg --configure -a`, then audit again. */
  async repair(ctx: OperationContext): Promise<RepairOutcome> {
    const before = await this.dpkg(['--audit'], ctx);
    const needed = before.exitCode !== 0 || before.output.trim().length > 0;
    if (!needed) return { needed: false, consistent: true, output: before.output };
    const configure = await this.dpkg(['--force-confdef', '--force-confold', '--configure', '-a'], ctx);
    if (configure.exitCode !== 0 && isAptLockError(configure.output)) await this.throwLocked(configure.output);
    const after = await this.dpkg(['--audit'], ctx);
    const consistent = after.exitCode === 0 && after.output.trim().length === 0;
    return { needed: true, consistent, output: [before.output, configure.output, after.output].join('\n') };
  }

  async rebootRequired(): Promise<boolean> {
    return (await this.restartForecast.rebootFlag()).required;
  }

  // ---- processes ---------------------------------------------------------------------------

  private specArguments(specs: readonly PackageSpec[]): string[] {
    if (specs.length === 0) throw new LpaError('LPA_ERR_VALIDATION', 'no packages given');
    this.assertNames(specs.map((s) => s.name));
    return specs.map((spec) => {
      if (spec.version === undefined) return spec.name;
      const reason = validateDebianVersion(spec.version);
      if (reason !== null) {
        throw new LpaError('LPA_ERR_VALIDATION', `invalid version for ${spec.name}: ${reason}`, {
          details: { name: spec.name, version: spec.version },
        });
      }
      return `${spec.name}=${spec.version}`;
    });
  }

  private assertNames(names: readonly string[]): void {
    for (const name of names) {
      const reason = validatePackageName(name);
      if (reason !== null) {
        throw new LpaError('LPA_ERR_VALIDATION', `invalid package name: ${reason}`, { details: { name } });
      }
    }
  }

  private async assertInstalled(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const pkg = await this.installed.get(name);
      if (!pkg || pkg.status === 'config-files') {
        throw new LpaError('LPA_ERR_NOT_FOUND', `package ${name} is not installed`, { details: { name } });
      }
    }
  }

  private async plan(args: readonly string[], signal?: AbortSignal): Promise<PlannedChange[]> {
    const result = await this.runner.run({
      file: APT_GET,
      args: [...PLAN, ...args],
      env: this.env,
      timeoutMs: READ_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    if (result.exitCode !== 0) {
      const output = `${result.stdout}${result.stderr}`;
      const code = isAptUnknownPackage(output) ? 'LPA_ERR_NOT_FOUND' : 'LPA_ERR_BACKEND';
      throw new LpaError(code, `planning apt-get ${args[0]} failed: ${lastError(output)}`, {
        details: { exit_code: result.exitCode, output: tail(output, 20) },
      });
    }
    return parsePlanSummary(result.stdout);
  }

  /**
   * Runs apt-get for a change. apt waits for dpkg's frontend lock by itself (DPkg::Lock::Timeout),
   * but not for the lists and archives locks (`apt-get update` fails at once): those waits happen
   * here, polling /proc/locks until the holder lets go or lockWaitSeconds have passed.
   */
  private async mutate(args: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    const started = Date.now();
    const lockDeadline = started + Math.max(0, ctx.lockWaitSeconds) * 1000;
    for (;;) {
      const remainingLockWait = Math.max(0, Math.ceil((lockDeadline - Date.now()) / 1000));
      const remainingTime = Math.max(1, ctx.timeoutMs - (Date.now() - started));
      const attempt = await this.runAptGet(args, ctx, remainingLockWait, remainingTime);
      const lockedOut = attempt.lockFailure;
      if (lockedOut && Date.now() < lockDeadline && !ctx.signal.aborted) {
        await this.waitForLockRelease(lockDeadline, ctx.signal);
        continue;
      }
      if (lockedOut) await this.throwLocked(attempt.output);
      this.prefetchUpgrades();
      return attempt.finish();
    }
  }

  private async waitForLockRelease(deadline: number, signal: AbortSignal): Promise<void> {
    while (Date.now() < deadline && !signal.aborted && (await this.findLockHolder()) !== null) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async runAptGet(args: readonly string[], ctx: OperationContext, lockWait: number, timeoutMs: number) {
    const lines: string[] = [];
    const result = await this.runner.run({
      file: APT_GET,
      args: [
        '-y',
        '-q',
        '-o',
        'Dpkg::Use-Pty=0',
        '-o',
        'APT::Status-Fd=3',
        '-o',
        `DPkg::Lock::Timeout=${lockWait}`,
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...args,
      ],
      env: this.env,
      signal: ctx.signal,
      timeoutMs,
      onLine: (line) => {
        if (lines.length >= OUTPUT_TAIL_LINES) lines.shift();
        lines.push(line);
        ctx.onLog(line);
      },
      onStatusLine: statusProgressReporter(ctx.onProgress),
    });
    const output = lines.length > 0 ? lines.join('\n') : `${result.stdout}${result.stderr}`;
    this.dropUpgrades();
    // apt also prints "Could not get lock" while it waits; only its exit because of it counts.
    const lockFailure = !result.timedOut && !result.aborted && result.exitCode !== 0 && isAptLockError(output);
    const finish = (): OperationOutput => {
      if (result.timedOut) {
        throw new LpaError('LPA_ERR_TIMEOUT', `apt-get ${args[0]} did not finish within ${ctx.timeoutMs} ms and was stopped`, {
          details: { output: tail(output, 20) },
        });
      }
      if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', `apt-get ${args[0]} was cancelled`);
      if (result.exitCode !== 0) {
        const code = isAptUnknownPackage(output)
          ? 'LPA_ERR_NOT_FOUND'
          : isAptFetchError(output)
            ? 'LPA_ERR_FETCH'
            : 'LPA_ERR_BACKEND';
        throw new LpaError(code, `apt-get ${args[0]} failed: ${lastError(output)}`, {
          details: { exit_code: result.exitCode, signal: result.signal, output: tail(output, 20) },
        });
      }
      ctx.onProgress(100);
      return { output };
    };
    return { lockFailure, output, finish };
  }

  private async dpkg(args: readonly string[], ctx: OperationContext): Promise<{ exitCode: number | null; output: string }> {
    const rootArgs = this.root === null ? [] : [`--root=${this.root}`, `--log=${this.paths.dpkgLog}`];
    const result = await this.runner.run({
      file: DPKG,
      args: [...rootArgs, ...args],
      env: this.env,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      onLine: (line) => ctx.onLog(line),
    });
    if (result.timedOut) throw new LpaError('LPA_ERR_TIMEOUT', `dpkg ${args.at(-1)} did not finish in time`);
    if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', `dpkg ${args.at(-1)} was cancelled`);
    return { exitCode: result.exitCode, output: `${result.stdout}${result.stderr}` };
  }

  private async throwLocked(output: string): Promise<never> {
    const fromApt = lockHolderFromOutput(output);
    const holder = await this.findLockHolder();
    const pid = holder?.pid ?? fromApt.pid;
    const path = holder?.path ?? fromApt.path;
    throw new LpaError(
      'LPA_ERR_LOCKED',
      pid === null
        ? `the package database is locked by another process${path ? ` (${path})` : ''}`
        : `the package database is locked by process ${pid}${path ? ` (${path})` : ''}`,
      { details: { pid, path } },
    );
  }
}

function tail(output: string, count: number): string[] {
  return output
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-count);
}

function lastError(output: string, prefix = 'E: '): string {
  const errors = output.split('\n').filter((l) => l.startsWith(prefix));
  return (errors[0] ?? tail(output, 1)[0] ?? 'no output').slice(errors[0] ? prefix.length : 0);
}
