import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  BackendCapabilities,
  BackendContext,
  BackendInfo,
  CommandResult,
  InstalledPackage,
  LockHolder,
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
import { fingerprintFiles, LpaError } from '@linux-patch-api/core';
import { excludeReason, type HoldSources, hasHolds, readHoldSources } from './excludes.js';
import { isRpmFetchError } from './fetch-errors.js';
import { treeFingerprint } from './file-fingerprint.js';
import { findDirs } from './find-dirs.js';
import { newestTransactionTime, parseHistoryList } from './history.js';
import { findRpmLockHolder, isLockMessage, lockPathFromOutput, lockPidFromOutput } from './lock-files.js';
import { parsePackageList } from './package-list.js';
import { READ_TOUCHED, RpmDatabase } from './rpm-database.js';
import { NAME_PATTERN, pinnedSpec, validateRpmName, validateRpmVersion } from './rpm-names.js';
import { RpmRestartForecast } from './rpm-restart-forecast.js';
import { type RpmFileHeader, RpmRollbackFiles } from './rpm-rollback-files.js';
import type { RpmTool } from './rpm-tool.js';
import { compareEvr, compareRequested, formatEvr } from './rpm-version.js';
import { parseTransactionPlan } from './transaction-plan.js';
import { transactionProgress } from './transaction-progress.js';
import { type AdvisoryRow, advisoryRecords, parseUpdateinfoList } from './updateinfo.js';

export interface RpmBackendOptions extends BackendContext {
  tool: RpmTool;
  /** Absolute path of rpm (default /usr/bin/rpm). */
  rpmBinary?: string;
}

/** dnf ("Cache-only enabled but no cache for 'x'") and yum 3 ("Caching enabled but no local cache of …") before the first refresh. */
const NO_CACHE = /Cache-only enabled but no cache|Caching enabled but no local cache|metadata (?:is|are) not present/i;

/** dnf and yum 3 naming a package or version that no repository (or the database) has. */
const NOT_FOUND =
  /No match for argument|Unable to find a match|No package .* available|No packages marked for (?:removal|upgrade|update)|Packages for argument .* available, but not installed/;

/**
 * Reads from the cached index (-C) need only dnf's metadata lock, which a running dnf holds just
 * while it loads metadata; they retry this long on it, so sync endpoints stay fast while another
 * process runs a long transaction.
 */
const READ_LOCK_WAIT_SECONDS = 4;
const READ_TIMEOUT_MS = 120_000;
/** Lists what an exclude or versionlock hides too, so held-back updates are shown, not hidden. */
const DISABLE_EXCLUDES = '--disableexcludes=all';
const LOCK_POLL_MS = 200;
/** dnf's exit status when it gave up on a lock (exit_on_lock). */
const LOCK_EXIT_CODE = 200;

interface RunOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  lockWaitSeconds: number;
  onLine?: (line: string) => void;
  /** Wait for every dnf/yum lock to be free before starting (mutations); reads only retry on a lock exit. */
  waitBeforeStart?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The PackageManagerBackend for rpm distributions, driven through dnf 4 or yum 3 (RpmTool says
 * which). The installed set comes from rpm itself; everything else from the package manager,
 * always with `--installroot` and the root's own configuration when a root is set.
 */
export class RpmBackend implements PackageManagerBackend {
  private readonly tool: RpmTool;
  private readonly root: string | null;
  private readonly database: RpmDatabase;
  private readonly env: Record<string, string>;
  private readonly homeDir: string | null;
  private homeReady: Promise<void> | null = null;
  private upgradeCache: { key: string; upgrades: Upgrade[] } | null = null;
  private upgradesInFlight: { key: string; promise: Promise<Upgrade[]> } | null = null;
  private releaseverCache: { key: string; value: string | null } | null = null;
  readonly rollbackFiles: RpmRollbackFiles;
  readonly restartForecast: RpmRestartForecast;

  constructor(private readonly options: RpmBackendOptions) {
    this.tool = options.tool;
    this.root = options.root;
    // Some rpm builds (Debian's) keep the database under $HOME; a private HOME whose .rpmmacros
    // names /var/lib/rpm makes rpm and dnf use ROOT/var/lib/rpm like on an rpm distribution.
    this.homeDir = this.root === null ? null : join(options.stateDir, `${this.tool.packageManager}-rpm-home`);
    this.env = this.homeDir === null ? {} : { HOME: this.homeDir };
    this.database = new RpmDatabase({
      runner: options.runner,
      rpmPath: options.rpmBinary ?? '/usr/bin/rpm',
      root: this.root,
      dbPath: '/var/lib/rpm',
      env: this.env,
    });
    this.rollbackFiles = new RpmRollbackFiles({
      root: this.root,
      fetch: (args, signal) => this.runTool(args, this.readOptions(signal)),
      read: (args, signal) => this.runRead(args, signal),
      readHeader: (path, signal) => this.readHeader(path, signal),
      install: (paths, ctx) => this.installFiles(paths, ctx),
    });
    this.restartForecast = new RpmRestartForecast(this.root, this.database, () => this.prepareHome());
  }

  info(): BackendInfo {
    return { packageManager: this.tool.packageManager, root: this.root };
  }

  /**
   * dnf and yum install and downgrade to any version a repository offers, remove what depends on a
   * removed package, and read updateinfo for security, severity and advisory ids. A rollback takes
   * the old version from the rollback store (kept from the package cache or downloaded before the
   * job), else from a repository that still offers it.
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
      advisories: { security: true, severity: true, advisory_ids: true, cves: true },
      held_back_reasons: ['ignored', 'pinned'],
      reboot_forecast: true,
    };
  }

  /**
   * The tool's Python module version, asked of the interpreter its script names. Not `dnf
   * --version`: that reads the host's rpm database and writes the host's hawkey.log even with
   * --installroot.
   */
  async packageManagerVersion(signal?: AbortSignal): Promise<string | null> {
    const script = await readFile(this.tool.binary, 'utf8').catch(() => '');
    const interpreter = /^#!\s*(\/\S+)/.exec(script)?.[1];
    if (interpreter === undefined) return null;
    const probe =
      this.tool.packageManager === 'dnf'
        ? 'import sys, dnf.const; sys.stdout.write(dnf.const.VERSION)'
        : 'import sys, yum; sys.stdout.write(yum.__version__)';
    const result = await this.options.runner.run({
      file: interpreter,
      args: ['-c', probe],
      timeoutMs: READ_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    return result.exitCode === 0 && /^\d[\w.]*$/.test(result.stdout.trim()) ? result.stdout.trim() : null;
  }

  /** Every repository's repomd.xml in the cache, by content (it names the checksum of each metadata file). */
  async indexFingerprint(): Promise<string> {
    const files: string[] = [];
    for (const dir of ['var/cache/dnf', 'var/cache/yum']) {
      for (const repodata of await findDirs(join(this.root ?? '/', dir), 'repodata', 4)) files.push(join(repodata, 'repomd.xml'));
    }
    return fingerprintFiles(files);
  }

  /** `list --showduplicates` of the names: every version installed or offered by a repository. */
  async findUnavailableVersions(specs: readonly Required<PackageSpec>[], signal?: AbortSignal): Promise<Required<PackageSpec>[]> {
    if (specs.length === 0) return [];
    this.assertSpecs(specs);
    const names = [...new Set(specs.map((spec) => spec.name))];
    const result = await this.runRead(['-q', 'list', '--showduplicates', '--', ...names], signal);
    // Exit 1 with "No matching packages" when none of the names exists: then nothing is available.
    if (result.exitCode !== 0 && !/No matching Packages/i.test(combined(result))) {
      this.fail(result, `${this.tool.packageManager} list --showduplicates failed`);
    }
    const rows = result.stdout
      .split('\n')
      .filter((line) => !/^(Installed|Available) Packages/.test(line))
      .join('\n');
    const offered = parsePackageList(rows);
    return specs
      .filter((spec) => !offered.some((row) => row.name === spec.name && compareRequested(spec.version, row.evr) === 0))
      .map((spec) => ({ name: spec.name, version: spec.version }));
  }

  // ---- reads ----

  async listInstalled(signal?: AbortSignal): Promise<InstalledPackage[]> {
    await this.prepareHome();
    // Install-only packages (kernel, …) can be installed in several versions of one architecture;
    // the API shows one record per name and architecture: the newest.
    const newest = new Map<string, InstalledPackage>();
    for (const { installTime: _installTime, ...pkg } of await this.database.list(signal)) {
      const key = `${pkg.name}.${pkg.architecture ?? ''}`;
      const seen = newest.get(key);
      if (seen === undefined || compareEvr(pkg.version, seen.version) > 0) newest.set(key, pkg);
    }
    return [...newest.values()];
  }

  async getPackage(name: string, signal?: AbortSignal): Promise<PackageDetails | null> {
    this.assertNames([name]);
    const pkg = (await this.listInstalled(signal)).find((candidate) => candidate.name === name);
    if (pkg === undefined) return null;
    const update = (await this.listUpgrades(signal)).find((row) => row.name === name);
    return { ...pkg, upgradable: update !== undefined, available_version: update?.available_version ?? null };
  }

  /**
   * Upgrades are computed from the cached index, so they change only when the installed set, the
   * cached index or the repository configuration does; until then the last answer is reused.
   */
  async listUpgrades(_signal?: AbortSignal): Promise<Upgrade[]> {
    const key = await this.upgradeInputs();
    if (this.upgradeCache !== null && this.upgradeCache.key === key) return this.upgradeCache.upgrades;
    // Concurrent callers with the same inputs share one computation, so no single caller's signal
    // may stop it; its dnf runs are bounded by READ_TIMEOUT_MS instead.
    if (this.upgradesInFlight?.key === key) return this.upgradesInFlight.promise;
    const promise = (async () => {
      const upgrades = await this.computeUpgrades();
      // Only keep the answer when nothing changed while it was computed.
      if ((await this.upgradeInputs()) === key) this.upgradeCache = { key, upgrades };
      return upgrades;
    })();
    this.upgradesInFlight = { key, promise };
    try {
      return await promise;
    } finally {
      if (this.upgradesInFlight?.promise === promise) this.upgradesInFlight = null;
    }
  }

  private async upgradeInputs(): Promise<string> {
    const root = this.root ?? '/';
    const config = [
      ...this.tool.configFiles.map((file) => join(root, file)),
      join(root, 'etc/yum.repos.d'),
      // The versionlock list holds updates back too.
      join(root, this.tool.pluginConfDir, 'versionlock.list'),
    ];
    const database = treeFingerprint([this.database.directory], 1, READ_TOUCHED);
    // dnf rewrites its top-level *.solv / *.solvx files when a repo's metadata changes, and
    // expired_repos.json on every refresh; yum 3 keeps repomd.xml per repo a few levels down.
    const dnfCache = treeFingerprint([join(root, 'var/cache/dnf')], 1, /\.pid$/);
    const yumCache = treeFingerprint([join(root, 'var/cache/yum')], 5, /\.pid$|^packages$/);
    return [database, treeFingerprint(config, 2), dnfCache, yumCache].join('#');
  }

  private async computeUpgrades(signal?: AbortSignal): Promise<Upgrade[]> {
    const installed = await this.listInstalled(signal);
    const offeredRows = this.checkUpdateRows(await this.runRead(['-q', 'check-update'], signal));
    // With an exclude or a versionlock configured, every update is listed, excluded or not; the
    // ones the plain listing lacks are held back (SPEC §12.4).
    const holdSources = await this.holdSources();
    const rows = hasHolds(holdSources)
      ? this.checkUpdateRows(await this.runRead(['-q', 'check-update', DISABLE_EXCLUDES], signal))
      : offeredRows;
    if (rows.length === 0) return [];
    const offered = new Set(offeredRows.map((row) => `${row.name}.${row.arch}`));
    const advisories = await this.listAdvisories(signal, hasHolds(holdSources));
    return rows.map((row): Upgrade => {
      const current =
        installed.find((pkg) => pkg.name === row.name && pkg.architecture === row.arch) ??
        installed.find((pkg) => pkg.name === row.name);
      const currentVersion = current?.version ?? '';
      const relevant = advisories.filter(
        (advisory) =>
          advisory.package.name === row.name &&
          (advisory.package.arch === row.arch || advisory.package.arch === 'noarch' || row.arch === 'noarch') &&
          compareEvr(advisory.package.evr, row.evr) <= 0 &&
          (currentVersion === '' || compareEvr(advisory.package.evr, currentVersion) > 0),
      );
      const security = relevant.length === 0 ? null : relevant.some((advisory) => advisory.security);
      const severities = relevant.map((advisory) => advisory.severity).filter((s): s is string => s !== null);
      return {
        name: row.name,
        current_version: currentVersion,
        available_version: row.evr,
        architecture: row.arch,
        security,
        severity: highestSeverity(severities),
        advisories: [...new Set(relevant.map((advisory) => advisory.id))],
        advisory_records: advisoryRecords(relevant),
        repository: row.repository,
        held_back: offered.has(`${row.name}.${row.arch}`) ? null : excludeReason(row.name, holdSources),
      };
    });
  }

  /** The excludes of the root's own configuration and repositories, and its versionlock list. */
  private holdSources(): Promise<HoldSources> {
    const root = this.root ?? '/';
    return readHoldSources(
      this.tool.configFiles.map((file) => join(root, file)),
      join(root, 'etc/yum.repos.d'),
      join(root, this.tool.pluginConfDir, 'versionlock.list'),
    );
  }

  // ---- mutations ----

  async install(specs: readonly PackageSpec[], ctx: OperationContext): Promise<OperationOutput> {
    const { upward, downward } = await this.splitByDirection(specs);
    let output = '';
    if (upward.length > 0) output += await this.transaction(['install', '--', ...upward], ctx);
    if (downward.length > 0) output += await this.transaction(['downgrade', '--', ...downward], ctx);
    return { output };
  }

  /**
   * install(), then `dnf mark remove` of the new packages the request did not name: dnf records a
   * package named on its command line as installed by the user, and an upgraded or downgraded one
   * keeps its reason by itself. yum 3 has no such command; its new packages stay user-installed.
   */
  async installPlanned(
    specs: readonly Required<PackageSpec>[],
    requested: readonly string[],
    ctx: OperationContext,
  ): Promise<OperationOutput> {
    const named = new Set(requested);
    const installedBefore = await this.installedVersions(ctx.signal);
    const { output } = await this.install(specs, ctx);
    const dependencies = specs.map((spec) => spec.name).filter((name) => !named.has(name) && !installedBefore.has(name));
    if (dependencies.length === 0 || this.tool.markDependencyArgs === null) return { output };
    return { output: output + (await this.transaction([...this.tool.markDependencyArgs, '--', ...dependencies], ctx)) };
  }

  async update(name: string, version: string | undefined, ctx: OperationContext): Promise<OperationOutput> {
    const { downward } = await this.splitByDirection([{ name, ...(version === undefined ? {} : { version }) }]);
    const command = downward.length > 0 ? 'downgrade' : this.tool.upgradeCommand;
    return { output: await this.transaction([command, '--', pinnedSpec(name, version)], ctx) };
  }

  async remove(names: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    this.assertNames(names);
    if (names.length === 0) throw new LpaError('LPA_ERR_VALIDATION', 'no package to remove');
    // dnf treats removing something not installed as "Nothing to do"; the API calls it NOT_FOUND.
    const installed = await this.installedVersions(ctx.signal);
    const missing = names.filter((name) => !installed.has(name));
    if (missing.length > 0) {
      throw new LpaError('LPA_ERR_NOT_FOUND', `not installed: ${missing.join(', ')}`, { details: { names: missing } });
    }
    return { output: await this.transaction(['remove', '--', ...names], ctx) };
  }

  async applyUpgrades(selection: UpgradeSelection, ctx: OperationContext): Promise<OperationOutput> {
    return { output: await this.transaction(this.upgradeArgs(selection), ctx) };
  }

  /**
   * Installs local package files (the rollback store's): `install` for packages not installed or
   * older, `downgrade` for files older than the installed version (yum 3's install never goes down).
   */
  private async installFiles(paths: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    const installed = await this.installedVersions(ctx.signal);
    const upward: string[] = [];
    const downward: string[] = [];
    for (const path of paths) {
      const header = await this.readHeader(path, ctx.signal);
      if (header === null) throw new LpaError('LPA_ERR_BACKEND', `rpm cannot read the kept package file ${path}`);
      const current = installed.get(header.name);
      (current !== undefined && compareEvr(header.version, current) < 0 ? downward : upward).push(path);
    }
    let output = '';
    if (upward.length > 0) output += await this.transaction(['install', '--', ...upward], ctx);
    if (downward.length > 0) output += await this.transaction(['downgrade', '--', ...downward], ctx);
    return { output };
  }

  private async readHeader(path: string, signal?: AbortSignal): Promise<RpmFileHeader | null> {
    await this.prepareHome();
    const result = await this.options.runner.run({
      file: this.options.rpmBinary ?? '/usr/bin/rpm',
      args: ['-qp', '--nosignature', '--queryformat', '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}', '--', path],
      env: this.env,
      timeoutMs: READ_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    const [name, epoch, version, release] = result.stdout.split('\t');
    if (result.exitCode !== 0 || name === undefined || version === undefined || release === undefined) return null;
    return { name, version: formatEvr(epoch === '(none)' ? null : (epoch ?? null), version, release) };
  }

  // ---- plans ----

  async planInstall(specs: readonly PackageSpec[], signal?: AbortSignal): Promise<PlannedChange[]> {
    const { upward, downward } = await this.splitByDirection(specs);
    const plan: PlannedChange[] = [];
    if (upward.length > 0) plan.push(...(await this.plan(['install', '--', ...upward], signal)));
    if (downward.length > 0) plan.push(...(await this.plan(['downgrade', '--', ...downward], signal)));
    return plan;
  }

  async planRemove(names: readonly string[], signal?: AbortSignal): Promise<PlannedChange[]> {
    this.assertNames(names);
    return this.plan(['remove', '--', ...names], signal);
  }

  async planUpgrades(selection: UpgradeSelection, signal?: AbortSignal): Promise<PlannedChange[]> {
    return this.plan(this.upgradeArgs(selection), signal);
  }

  // ---- cache ----

  async refreshCache(ctx: OperationContext): Promise<OperationOutput> {
    const result = await this.runTool([...this.tool.refreshArgs], {
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      lockWaitSeconds: ctx.lockWaitSeconds,
      onLine: ctx.onLog,
    });
    const output = combined(result);
    if (result.exitCode !== 0) this.fail(result, 'refreshing the package index failed');
    if (this.isFetchError(output)) {
      throw new LpaError('LPA_ERR_FETCH', 'refreshing the package index failed: a download failed', {
        details: { output: output.slice(-2000) },
      });
    }
    return { output };
  }

  /**
   * The later of the newest install time in the rpm database (rpm -i by hand included) and the
   * newest dnf/yum history transaction (which also records removals; minutes only). The history
   * is read again only when the rpm database changed.
   */
  async lastUpdateTime(): Promise<Date | null> {
    const installed = await this.database.list();
    const newestInstall = installed.reduce((latest, pkg) => Math.max(latest, pkg.installTime), 0);
    const key = treeFingerprint([this.database.directory], 1, READ_TOUCHED);
    if (this.historyTime?.key !== key) this.historyTime = { key, time: await this.readNewestTransaction() };
    const candidates = [newestInstall > 0 ? newestInstall * 1000 : null, this.historyTime.time?.getTime() ?? null].filter(
      (time): time is number => time !== null,
    );
    return candidates.length === 0 ? null : new Date(Math.max(...candidates));
  }

  private historyTime: { key: string; time: Date | null } | null = null;

  private async readNewestTransaction(): Promise<Date | null> {
    await this.prepareHome();
    const history = await this.runTool(['-q', '--disablerepo=*', 'history', 'list'], this.readOptions());
    return history.exitCode === 0 ? newestTransactionTime(parseHistoryList(history.stdout)) : null;
  }

  async lastCacheUpdate(): Promise<Date | null> {
    // A refresh that finds the metadata unchanged keeps repomd.xml but touches the other repodata
    // files (dnf) or repomd.xml itself (yum 3): the newest file in any repodata dir is the refresh.
    let newest = 0;
    for (const dir of ['var/cache/dnf', 'var/cache/yum']) {
      for (const repodata of await findDirs(join(this.root ?? '/', dir), 'repodata', 4)) {
        for (const entry of await readdir(repodata).catch(() => [] as string[])) {
          const info = await stat(join(repodata, entry)).catch(() => null);
          if (info?.isFile() && info.mtimeMs > newest) newest = info.mtimeMs;
        }
      }
    }
    return newest === 0 ? null : new Date(newest);
  }

  isFetchError(output: string): boolean {
    return isRpmFetchError(output);
  }

  // ---- grammar ----

  readonly namePattern = NAME_PATTERN;

  validateName(name: string): string | null {
    return validateRpmName(name);
  }

  validateVersion(version: string): string | null {
    return validateRpmVersion(version);
  }

  compareVersions(a: string, b: string): number {
    return compareEvr(a, b);
  }

  // ---- locks, repair, reboot ----

  findLockHolder(): Promise<LockHolder | null> {
    return findRpmLockHolder(this.root);
  }

  /**
   * Repair after an interruption. Repair is needed when the newest history transaction is marked
   * `#` (it never finished), when rpm cannot read its database (then `rpm --rebuilddb`), or when
   * `check` reports problems; duplicate packages left by an interrupted upgrade are removed (dnf's
   * `remove --duplicates`). Consistent when rpm reads the database and `check` finds nothing.
   */
  async repair(ctx: OperationContext): Promise<RepairOutcome> {
    await this.prepareHome();
    let output = '';
    const runOptions = { signal: ctx.signal, timeoutMs: ctx.timeoutMs, lockWaitSeconds: ctx.lockWaitSeconds, onLine: ctx.onLog };
    const history = await this.runTool(['-q', '--disablerepo=*', 'history', 'list'], runOptions);
    output += combined(history);
    let needed = history.exitCode === 0 && (parseHistoryList(history.stdout)[0]?.flags.includes('#') ?? false);
    try {
      await this.database.list(ctx.signal);
    } catch {
      needed = true;
      const rebuilt = await this.options.runner.run({
        file: this.options.rpmBinary ?? '/usr/bin/rpm',
        args: ['--rebuilddb', ...this.database.rootArgs()],
        env: this.env,
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
      });
      output += combined(rebuilt);
    }
    let check = await this.runTool(['--disablerepo=*', 'check'], runOptions);
    output += combined(check);
    if (check.exitCode !== 0 && /duplicate/i.test(combined(check)) && this.tool.packageManager === 'dnf') {
      needed = true;
      output += combined(await this.runTool(['-y', 'remove', '--duplicates'], runOptions));
      check = await this.runTool(['--disablerepo=*', 'check'], runOptions);
      output += combined(check);
    } else if (check.exitCode !== 0) {
      needed = true;
    }
    let readable = true;
    await this.database.list(ctx.signal).catch(() => {
      readable = false;
    });
    return { needed, consistent: readable && check.exitCode === 0, output };
  }

  /** needs-restarting -r: a reboot-class package was installed (or updated) after boot. */
  async rebootRequired(): Promise<boolean> {
    return (await this.restartForecast.rebootFlag()).required;
  }

  // ---- internals ----

  private assertNames(names: readonly string[]): void {
    for (const name of names) {
      const reason = validateRpmName(name);
      if (reason !== null) throw new LpaError('LPA_ERR_VALIDATION', `invalid package name: ${reason}`, { details: { name } });
    }
  }

  private assertSpecs(specs: readonly PackageSpec[]): void {
    if (specs.length === 0) throw new LpaError('LPA_ERR_VALIDATION', 'no package given');
    this.assertNames(specs.map((spec) => spec.name));
    for (const spec of specs) {
      if (spec.version === undefined) continue;
      const reason = validateRpmVersion(spec.version);
      if (reason !== null) {
        throw new LpaError('LPA_ERR_VALIDATION', `invalid version: ${reason}`, {
          details: { name: spec.name, version: spec.version },
        });
      }
    }
  }

  /** Pinned specs below the installed version need `downgrade` (yum 3's install never goes down). */
  private async splitByDirection(specs: readonly PackageSpec[]): Promise<{ upward: string[]; downward: string[] }> {
    this.assertSpecs(specs);
    const installed = await this.installedVersions();
    const upward: string[] = [];
    const downward: string[] = [];
    for (const spec of specs) {
      const current = installed.get(spec.name);
      const goesDown = spec.version !== undefined && current !== undefined && compareRequested(spec.version, current) < 0;
      (goesDown ? downward : upward).push(pinnedSpec(spec.name, spec.version));
    }
    return { upward, downward };
  }

  private upgradeArgs(selection: UpgradeSelection): string[] {
    const names = selection.names ?? [];
    this.assertNames(names);
    if (selection.names !== null && names.length === 0) throw new LpaError('LPA_ERR_VALIDATION', 'no package selected');
    return [
      this.tool.upgradeCommand,
      ...(selection.securityOnly ? ['--security'] : []),
      ...(names.length > 0 ? ['--', ...names] : []),
    ];
  }

  private async installedVersions(signal?: AbortSignal): Promise<Map<string, string>> {
    return new Map((await this.listInstalled(signal)).map((pkg) => [pkg.name, pkg.version]));
  }

  private async transaction(args: string[], ctx: OperationContext): Promise<string> {
    const result = await this.runTool(['-y', ...args], {
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      lockWaitSeconds: ctx.lockWaitSeconds,
      onLine: (line) => {
        ctx.onLog(line);
        const step = transactionProgress(line);
        if (step !== null) ctx.onProgress(step.percent, step.message);
      },
    });
    if (result.exitCode !== 0) this.fail(result, `${this.tool.packageManager} ${args[0]} failed`);
    ctx.onProgress(100);
    return combined(result);
  }

  private async plan(args: string[], signal?: AbortSignal): Promise<PlannedChange[]> {
    const installed = await this.installedVersions(signal);
    const result = await this.runRead(['--assumeno', ...args], signal);
    const output = combined(result);
    // --assumeno ends with "Operation aborted." (exit 1) whenever there was something to do.
    if (result.exitCode !== 0 && !/Operation aborted|Exiting on user (command|Command)/.test(output)) {
      this.fail(result, `${this.tool.packageManager} could not plan the transaction`);
    }
    return parseTransactionPlan(result.stdout, installed);
  }

  private checkUpdateRows(result: CommandResult) {
    // check-update: 100 = updates listed, 0 = none; anything else is a failure.
    if (result.exitCode === 0) return [];
    if (result.exitCode !== 100) this.fail(result, `${this.tool.packageManager} check-update failed`);
    return parsePackageList(result.stdout);
  }

  private async listAdvisories(signal: AbortSignal | undefined, withExcluded: boolean): Promise<AdvisoryRow[]> {
    const rows: AdvisoryRow[] = [];
    for (const args of [this.tool.updateinfoArgs, this.tool.updateinfoCveArgs]) {
      const result = await this.runRead(['-q', ...args, ...(withExcluded ? [DISABLE_EXCLUDES] : [])], signal);
      if (result.exitCode !== 0) this.fail(result, `${this.tool.packageManager} updateinfo failed`);
      rows.push(...parseUpdateinfoList(result.stdout));
    }
    return rows;
  }

  /**
   * Reads use the package index as last refreshed (`-C`) so they start no download; before the
   * first refresh there is no index yet and the read fetches it.
   */
  private async runRead(args: string[], signal?: AbortSignal): Promise<CommandResult> {
    const cached = await this.runTool(['-C', ...args], this.readOptions(signal));
    if (cached.exitCode === 0 || !NO_CACHE.test(combined(cached))) {
      return cached;
    }
    return this.runTool(args, this.readOptions(signal));
  }

  private readOptions(signal?: AbortSignal): RunOptions {
    return {
      ...(signal ? { signal } : {}),
      timeoutMs: READ_TIMEOUT_MS,
      lockWaitSeconds: READ_LOCK_WAIT_SECONDS,
      waitBeforeStart: false,
    };
  }

  /** Options every invocation gets: the root, its own configuration, and never blocking on a lock. */
  private async baseArgs(): Promise<string[]> {
    const args = ['--setopt=exit_on_lock=True'];
    if (this.root === null) return args;
    const root = this.root;
    const config = this.tool.configFiles.map((file) => join(root, file)).find((file) => existsSync(file));
    if (config === undefined) {
      throw new LpaError('LPA_ERR_BACKEND', `no ${this.tool.packageManager} configuration in the root ${root}`, {
        details: { looked_for: this.tool.configFiles.map((file) => join(root, file)) },
      });
    }
    args.push(
      `--installroot=${root}`,
      `--config=${config}`,
      `--setopt=reposdir=${join(root, 'etc/yum.repos.d')}`,
      `--setopt=pluginconfpath=${join(root, this.tool.pluginConfDir)}`,
    );
    const releasever = await this.fallbackReleasever(root);
    if (releasever !== null) args.push(`--releasever=${releasever}`);
    return args;
  }

  /**
   * dnf derives $releasever from the root's package providing `system-release(releasever)` (RHEL's
   * is the major version, not os-release's VERSION_ID). Only a root without one (an image being
   * built, a test root) gets VERSION_ID from its os-release instead. Re-checked when the rpm
   * database changes.
   */
  private async fallbackReleasever(root: string): Promise<string | null> {
    const key = treeFingerprint([this.database.directory], 1, READ_TOUCHED);
    if (this.releaseverCache?.key === key) return this.releaseverCache.value;
    const probe = await this.options.runner.run({
      file: this.options.rpmBinary ?? '/usr/bin/rpm',
      args: ['-q', ...this.database.rootArgs(), '--whatprovides', 'system-release(releasever)'],
      env: this.env,
      timeoutMs: READ_TIMEOUT_MS,
    });
    const value = probe.exitCode === 0 ? null : await rootReleaseVersion(root);
    this.releaseverCache = { key, value };
    return value;
  }

  /**
   * Runs the package manager. It is told to exit at once on a held lock; this waits (bounded by
   * lockWaitSeconds) for the holder to go away and tries again, then fails LOCKED naming the pid.
   */
  private async runTool(args: string[], options: RunOptions): Promise<CommandResult> {
    await this.prepareHome();
    const fullArgs = [...(await this.baseArgs()), ...args];
    const deadline = Date.now() + options.lockWaitSeconds * 1000;
    for (;;) {
      if (options.waitBeforeStart !== false) {
        const holder = await this.waitForLock(deadline, options.signal);
        if (holder !== null) throw lockedError(holder);
      }
      const result = await this.options.runner.run({
        file: this.tool.binary,
        args: fullArgs,
        env: this.env,
        timeoutMs: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onLine ? { onLine: options.onLine } : {}),
      });
      if (result.timedOut) {
        throw new LpaError('LPA_ERR_TIMEOUT', `${this.tool.packageManager} did not finish in time`, {
          details: { output: combined(result).slice(-2000) },
        });
      }
      if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', `${this.tool.packageManager} was stopped`);
      const output = combined(result);
      if (result.exitCode !== LOCK_EXIT_CODE && !(result.exitCode !== 0 && isLockMessage(output))) return result;
      if (Date.now() >= deadline) {
        const fallback = {
          path: lockPathFromOutput(output) ?? join(this.root ?? '/', 'var/lib/dnf/rpmdb_lock.pid'),
          pid: lockPidFromOutput(output),
        };
        throw lockedError((await this.findLockHolder()) ?? fallback);
      }
      await sleep(LOCK_POLL_MS);
    }
  }

  /** null once nobody holds the lock; the holder if it is still held at the deadline. */
  private async waitForLock(deadline: number, signal?: AbortSignal): Promise<LockHolder | null> {
    for (;;) {
      const holder = await this.findLockHolder();
      if (holder === null) return null;
      if (Date.now() >= deadline) return holder;
      if (signal?.aborted) throw new LpaError('LPA_ERR_CANCELLED', 'stopped while waiting for the package-manager lock');
      await sleep(LOCK_POLL_MS);
    }
  }

  private fail(result: CommandResult, message: string): never {
    const output = combined(result);
    const errorLine = output
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^(Error|No match for argument|No package|Problem)/i.test(line))
      .join('; ');
    const details = { exitCode: result.exitCode, output: output.slice(-4000) };
    const text = errorLine.length > 0 ? `${message}: ${errorLine.slice(0, 500)}` : message;
    if (this.isFetchError(output)) throw new LpaError('LPA_ERR_FETCH', text, { details });
    if (NOT_FOUND.test(output)) throw new LpaError('LPA_ERR_NOT_FOUND', text, { details });
    throw new LpaError('LPA_ERR_BACKEND', text, { details });
  }

  private prepareHome(): Promise<void> {
    if (this.homeDir === null) return Promise.resolve();
    const home = this.homeDir;
    this.homeReady ??= (async () => {
      await mkdir(home, { recursive: true, mode: 0o700 });
      await writeFile(join(home, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
    })();
    return this.homeReady;
  }
}

function combined(result: CommandResult): string {
  return result.stderr.length === 0
    ? result.stdout
    : `${result.stdout}${result.stdout.endsWith('\n') ? '' : '\n'}${result.stderr}`;
}

function lockedError(holder: LockHolder): LpaError {
  const who = holder.pid === null ? 'another process' : `process ${holder.pid}`;
  return new LpaError('LPA_ERR_LOCKED', `the package-manager lock ${holder.path} is held by ${who}`, {
    details: { path: holder.path, pid: holder.pid },
  });
}

/** Red Hat's severities, and Amazon Linux's lower-case ones (where `medium` is Moderate). */
const SEVERITY_RANK: Record<string, number> = { low: 1, moderate: 2, medium: 2, important: 3, critical: 4 };

function highestSeverity(severities: readonly string[]): string | null {
  let best: string | null = null;
  for (const severity of severities) {
    if (best === null || (SEVERITY_RANK[severity.toLowerCase()] ?? 0) > (SEVERITY_RANK[best.toLowerCase()] ?? 0)) best = severity;
  }
  return best;
}

/** VERSION_ID of the root's os-release, used as $releasever (the root may have no system-release package). */
async function rootReleaseVersion(root: string): Promise<string | null> {
  for (const file of ['etc/os-release', 'usr/lib/os-release']) {
    const text = await readFile(join(root, file), 'utf8').catch(() => null);
    if (text === null) continue;
    const match = /^VERSION_ID="?([A-Za-z0-9._-]+)"?\s*$/m.exec(text);
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}
