import type { BackendCapabilities } from './capabilities.js';
import type { CommandRunner } from './command-runner.js';
import type { DeploymentManager } from './deployments.js';
import type { RestartForecasting } from './forecast.js';
import type { PlannedChange } from './job.js';
import type { Logger } from './logger.js';
import type { OsRelease } from './os-release.js';

/** One installed package as the package database records it. */
export interface InstalledPackage {
  name: string;
  version: string;
  architecture: string | null;
  /** e.g. `installed`, `half-configured`, `config-files` (apt); `installed` elsewhere. */
  status: string;
  description: string | null;
  /** Bytes; null when the database does not say. */
  installed_size: number | null;
}

export interface PackageDetails extends InstalledPackage {
  upgradable: boolean;
  available_version: string | null;
}

/** One available update. */
export interface Upgrade {
  name: string;
  current_version: string;
  available_version: string;
  architecture: string | null;
  /** true / false when the distro classifies updates; null when it has no such metadata. */
  security: boolean | null;
  severity: string | null;
  /** Advisory ids (DSA-…, FEDORA-…, CVE-…) where known. */
  advisories: string[];
  /** Where the update comes from (suite, repo id), where known. */
  repository: string | null;
  /**
   * For an image update on an atomic host: the package differences between the two commits, or
   * null when a commit carries no readable package database. Absent for package updates.
   */
  package_changes?: PlannedChange[] | null;
  /** Set when the package manager would not apply this update (SPEC §12.4); absent or null otherwise. */
  held_back?: HeldBack | null;
  /**
   * The advisories behind this update in the one format of GET /patches (plugin API 1.x, optional):
   * without them the core makes one record per id in `advisories` from `security` and `severity`.
   */
  advisory_records?: Advisory[];
}

export type AdvisorySeverity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';
export type AdvisoryType = 'security' | 'bugfix' | 'enhancement' | 'unknown';
export type Classification = AdvisoryType;

/** One advisory, the same shape on every distribution. */
export interface Advisory {
  /** The advisory's own id (RHSA-…, FEDORA-…, DSA-…, USN-…), or the CVE id where the source has no advisory ids. */
  id: string;
  type: AdvisoryType;
  /** Normalized (normalizeSeverity); the source's own word is in severity_raw. */
  severity: AdvisorySeverity;
  severity_raw: string | null;
  cves: string[];
  /** Where it came from: `updateinfo`, `debian-security-tracker`, `arch-security`, `alpine-secdb`, `suite`. */
  source: string;
  url: string | null;
  /** RFC 3339 or the source's date, where the source gives one. */
  issued: string | null;
}

/** The operator-synced advisory feeds of the config's `advisories` section (absolute paths or null). */
export interface AdvisoryFeeds {
  /** The Debian security tracker's JSON (apt). */
  debian_tracker_json: string | null;
  /** Alpine's secdb JSON for the host's release (apk). */
  alpine_secdb_json: string | null;
  /** The Arch security tracker's AVG list, as arch-audit reads it (pacman). */
  arch_audit_json: string | null;
}

export interface HeldBack {
  reason: 'held' | 'pinned' | 'phased' | 'dependency' | 'ignored' | 'policy';
  /** What holds it, in the package manager's terms (e.g. the pin line). */
  detail: string;
}

/** What undoes a job: packages it installed are removed, the others go back to their previous version. */
export interface RollbackPlan {
  remove: string[];
  install: PackageSpec[];
  /**
   * The rollback store's kept files for packages of `install`, by name (absolute paths): a
   * backend's own `rollback` installs these from the file instead of by name and version.
   */
  files?: Readonly<Record<string, string>>;
}

export interface PackageSpec {
  name: string;
  version?: string;
}

export interface UpgradeSelection {
  /** null = everything upgradable. */
  names: string[] | null;
  securityOnly: boolean;
}

/** Passed to every long-running backend operation. */
export interface OperationContext {
  signal: AbortSignal;
  /** 0–100 for this operation; the core maps it into the job's own range. */
  onProgress(percent: number, message?: string): void;
  /** One line of the package manager's output (kept as the job's log tail). */
  onLog(line: string): void;
  /** How long to wait for a package-manager lock held by another process before failing LOCKED. */
  lockWaitSeconds: number;
  /** Overall limit for the operation; the runner kills the process group past it. */
  timeoutMs: number;
}

export interface OperationOutput {
  /** Combined output of the package manager (the core keeps its tail). */
  output: string;
}

export interface LockHolder {
  /** The lock file. */
  path: string;
  /** The holder's pid where it can be found (e.g. /proc/locks), else null. */
  pid: number | null;
}

export interface RepairOutcome {
  /** Whether anything needed repair. */
  needed: boolean;
  /** Whether the database is consistent afterwards. */
  consistent: boolean;
  output: string;
}

export interface BackendInfo {
  /** The package manager's name, e.g. `apt`, as /system/info shows it. */
  packageManager: string;
  /** The root it operates on, null = the running system. */
  root: string | null;
  /** The package manager's program as the backend runs it, where it chooses among several. */
  executable?: string;
}

/**
 * A package-manager backend. All methods are promise-based; every process goes through the
 * injected CommandRunner. Mutations throw LpaError: LPA_ERR_LOCKED (details.pid / details.path)
 * when another process holds the lock past lockWaitSeconds, LPA_ERR_FETCH when a download
 * failed, LPA_ERR_BACKEND otherwise. Validation happens before any process starts.
 */
export interface PackageManagerBackend {
  info(): BackendInfo;

  listInstalled(signal?: AbortSignal): Promise<InstalledPackage[]>;
  /** null when the package is not installed (and not known to the package database). */
  getPackage(name: string, signal?: AbortSignal): Promise<PackageDetails | null>;
  listUpgrades(signal?: AbortSignal): Promise<Upgrade[]>;

  install(specs: readonly PackageSpec[], ctx: OperationContext): Promise<OperationOutput>;
  update(name: string, version: string | undefined, ctx: OperationContext): Promise<OperationOutput>;
  remove(names: readonly string[], ctx: OperationContext): Promise<OperationOutput>;
  applyUpgrades(selection: UpgradeSelection, ctx: OperationContext): Promise<OperationOutput>;

  /** What a mutation would do, without doing it (dry runs, beforeApply taps). */
  planInstall(specs: readonly PackageSpec[], signal?: AbortSignal): Promise<PlannedChange[]>;
  planRemove(names: readonly string[], signal?: AbortSignal): Promise<PlannedChange[]>;
  planUpgrades(selection: UpgradeSelection, signal?: AbortSignal): Promise<PlannedChange[]>;

  /** Refresh the package index (apt-get update, dnf makecache, …). Throws LPA_ERR_FETCH / LPA_ERR_BACKEND. */
  refreshCache(ctx: OperationContext): Promise<OperationOutput>;
  /** When the package index was last refreshed, as the package manager's own files say. */
  lastCacheUpdate(): Promise<Date | null>;
  /**
   * When a package was last installed, upgraded or removed here, by anyone, as the package
   * manager's own history says (dpkg.log, dnf history, pacman.log, …); null when it records none.
   * Optional (plugin API 1.1): without it /system/info reports the agent's own last change.
   */
  lastUpdateTime?(): Promise<Date | null>;
  /** Whether this output shows a download failure (404, "Failed to fetch", …). */
  isFetchError(output: string): boolean;

  /** null when valid, else the reason. Must refuse anything that could become an option. */
  validateName(name: string): string | null;
  /**
   * The name grammar as one regular expression, when one states it whole: together with the
   * 255-character limit it accepts exactly what validateName accepts. Published as the `pattern`
   * of `PackageName` in /openapi.json.
   */
  readonly namePattern?: RegExp;
  validateVersion(version: string): string | null;
  /** <0, 0, >0 like a comparator, with the distro's version ordering. */
  compareVersions(a: string, b: string): number;

  /** The holder of the package-manager lock, or null when nobody holds it. */
  findLockHolder(): Promise<LockHolder | null>;
  /** Bring the database back to a consistent state after an interruption (dpkg --configure -a, …). */
  repair(ctx: OperationContext): Promise<RepairOutcome>;
  rebootRequired(): Promise<boolean>;

  // ---- plugin API 1.1: optional, so backends written against 1.0 still load ----

  /** What this backend supports (GET /capabilities); absent = DEFAULT_BACKEND_CAPABILITIES. */
  capabilities?(): BackendCapabilities;
  /** The package manager's own version, e.g. `2.6.1` for apt; null when it cannot be told. */
  packageManagerVersion?(signal?: AbortSignal): Promise<string | null>;
  /**
   * A digest of the package index as the package manager last fetched it (apt lists and Release
   * files, repomd.xml, sync dbs, APKINDEX): equal digests mean the same packages are offered. It
   * goes into plan_hash; absent, the core digests listUpgrades() instead, which does not see
   * new packages that are not installed.
   */
  indexFingerprint?(signal?: AbortSignal): Promise<string>;
  /**
   * Optional (plugin API 1.1): a value that changes whenever listInstalled() or listUpgrades()
   * could answer differently (e.g. the identities of the package database and of every input of
   * the upgrade list); equal values mean both answer the same. Called on every GET /packages, so it
   * must be cheap and synchronous (a few stat() calls). With it the core keeps its GET /packages
   * answers until the value moves; without it every request reads the backend again.
   */
  inventoryGeneration?(): string;
  /**
   * The name/version pairs that can be installed from nowhere (neither a repository, the package
   * cache nor the installed set). Required when `patch_apply.pinned_versions` is declared.
   */
  findUnavailableVersions?(specs: readonly Required<PackageSpec>[], signal?: AbortSignal): Promise<Required<PackageSpec>[]>;
  /**
   * Optional (plugin API 1.1): installs exactly these versions (up, down or new), for a job whose
   * If-Match plan matched and now runs as pins (SPEC §12.2). Packages named in `requested` are
   * recorded as installed on request; every other package keeps the install reason it had, and one
   * new to the system is recorded as a dependency, as resolving the request would have left them.
   * Without it the core calls install(), and the package manager may record every package so named
   * as installed on request.
   */
  installPlanned?(
    specs: readonly Required<PackageSpec>[],
    requested: readonly string[],
    ctx: OperationContext,
  ): Promise<OperationOutput>;
  /**
   * Present on atomic hosts (OSTree, SPEC §13): the system is changed as whole deployments. Absent
   * on package-based hosts, where /deployments answers NOT_SUPPORTED.
   */
  readonly deployments?: DeploymentManager;
  /**
   * Optional: run a rollback in the package manager's own order. Without it the core removes what
   * the job installed, then reinstalls the previous versions; a package manager that refuses to
   * remove a dependency while its dependent is still at the new version reverses that order here.
   */
  rollback?(plan: RollbackPlan, ctx: OperationContext): Promise<OperationOutput>;

  /**
   * Optional (plugin API 1.x backends without it still load): how the backend obtains the
   * installed version's package file for the rollback store and installs kept files (SPEC §12.6).
   */
  readonly rollbackFiles?: RollbackFiles;

  /**
   * Optional (plugin API 1.x backends without it still load): the reboot rules, package file lists
   * and reboot flag behind the forecast plans carry and the outcome jobs carry (SPEC §12.5). A
   * backend that has it declares `reboot_forecast: true`.
   */
  readonly restartForecast?: RestartForecasting;
}

/** How a kept package file was obtained. */
export interface ObtainedPackageFile {
  /** The file, written into the directory the core gave; the core moves it into the store. */
  path: string;
  /** `cache` (the package manager's own cache), `download` (the repository), `rebuild` (from the installed files). */
  via: 'cache' | 'download' | 'rebuild';
}

export interface RollbackFiles {
  /**
   * Writes the package file of this exact installed version into `directory` (runs under the
   * package-manager lock, before the job changes anything); null when no source has it.
   */
  obtainInstalled(pkg: InstalledPackage, directory: string, signal: AbortSignal): Promise<ObtainedPackageFile | null>;
  /** Whether the package manager can install this version without the store: from its cache, the repository, or neither. */
  availability(name: string, version: string, signal?: AbortSignal): Promise<'cache' | 'repo' | 'none'>;
  /** Installs kept package files (absolute paths), downgrading where needed. */
  installFiles(paths: readonly string[], ctx: OperationContext): Promise<OperationOutput>;
}

export interface BackendContext {
  /** Operate on this root file system and its own package-manager configuration; null = the running system. */
  root: string | null;
  runner: CommandRunner;
  logger: Logger;
  /** The agent's state directory (backends may keep generated config there). */
  stateDir: string;
  /** The config's `backend` section, for backend-specific keys such as `apk_path`. */
  options?: Readonly<Record<string, unknown>>;
  /** The advisory feeds the config names now (read on every use: a reload may change them). */
  advisoryFeeds?: () => Readonly<AdvisoryFeeds>;
}

export interface BackendDefinition {
  /** e.g. `apt`; what `backend.name` selects. */
  name: string;
  /** Whether this backend fits the running distribution (os-release ID / ID_LIKE). */
  detect(osRelease: OsRelease): boolean;
  /**
   * Whether the host (or `root`) is unmistakably this backend's, whatever os-release says, e.g. an
   * OSTree-booted system (`/run/ostree-booted`). Asked before any os-release detection; a claiming
   * backend wins over one that only matches the distribution.
   */
  claimsHost?(root: string | null): boolean;
  create(context: BackendContext): PackageManagerBackend | Promise<PackageManagerBackend>;
}
