import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareDebianVersions } from '@linux-patch-api/backend-apt';
import type {
  BackendCapabilities,
  BackendContext,
  BackendInfo,
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
import { LpaError } from '@linux-patch-api/core';
import { compareEvr } from '@linux-patch-api/rpm-common';
import { isOstreeFetchError } from './fetch-errors.js';
import { OstreeCli } from './ostree-cli.js';
import { OstreeDeployments } from './ostree-deployments.js';
import type { DatabaseKind } from './package-database.js';
import { IMAGE_NAME_PATTERN, validateImagePackageName, validateImagePackageVersion } from './package-grammar.js';
import { Sysroot, type SysrootDeployment } from './sysroot.js';
import { SysrootLock } from './sysroot-lock.js';

const NO_LAYERING =
  'this host runs an OSTree image: packages are not installed or removed one by one; apply the image update (POST /patches/apply) or rebase (POST /deployments)';

/**
 * The OSTree backend (SPEC §13). The image is the unit of change: GET /packages lists the package
 * database of the booted deployment (with `backend.root`, of the default one), an update is a newer
 * commit on the origin ref, applying it deploys that commit as the next default, and package
 * install/remove are NOT_SUPPORTED.
 */
export class OstreeBackend implements PackageManagerBackend {
  readonly deployments: OstreeDeployments;
  readonly #sysroot: Sysroot;
  readonly #lock: SysrootLock;
  readonly #refreshStamp: string;
  /** The database kind last read, for version order; images are dpkg- or rpm-based, never both. */
  #kind: DatabaseKind = 'dpkg';

  private constructor(
    private readonly root: string | null,
    context: BackendContext,
    stateDir: string,
  ) {
    const sysroot = root ?? '/';
    const cli = new OstreeCli(context.runner, sysroot);
    this.#sysroot = new Sysroot(cli, context.runner, root, stateDir);
    this.#lock = new SysrootLock(sysroot);
    this.#refreshStamp = join(stateDir, 'last-pull');
    this.deployments = new OstreeDeployments({
      sysroot: this.#sysroot,
      lock: this.#lock,
      compareVersions: (a, b) => this.compareVersions(a, b),
    });
  }

  static async create(context: BackendContext): Promise<OstreeBackend> {
    const root = context.root === null ? null : context.root.replace(/\/+$/, '') || '/';
    const stateDir = join(context.stateDir, 'ostree');
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    return new OstreeBackend(root === '/' ? null : root, context, stateDir);
  }

  /**
   * An image changes whole: nothing is layered, the only name a patch apply may select is the
   * osname, and there is no security classification or version choice, so those are declared
   * unsupported and refused before a job exists.
   */
  capabilities(): BackendCapabilities {
    return {
      operations: {
        install: { version_pin: false, dry_run: true },
        update: { downgrade: false, dry_run: true },
        remove: { cascade: false, dry_run: true },
        patch_apply: { selected: true, security_only: false, pinned_versions: false, dry_run: true },
        rollback: { sources: ['repo'] },
        deployments: true,
      },
      advisories: { security: false, severity: false, advisory_ids: false },
      held_back_reasons: [],
      reboot_forecast: false,
    };
  }

  info(): BackendInfo {
    return { packageManager: 'ostree', root: this.root };
  }

  // ---- reads -------------------------------------------------------------------------------

  /** The deployment whose packages GET /packages shows: the booted one, or with a root the default. */
  async #listedDeployment(signal?: AbortSignal): Promise<SysrootDeployment | null> {
    const state = await this.#sysroot.state(signal);
    if (this.root === null) return state.deployments.find((deployment) => deployment.booted) ?? state.default;
    return state.default;
  }

  async listInstalled(signal?: AbortSignal): Promise<InstalledPackage[]> {
    const deployment = await this.#listedDeployment(signal);
    if (deployment === null) return [];
    const set = await this.#sysroot.deploymentPackages(deployment, signal);
    if (set === null) return [];
    this.#kind = set.kind;
    return set.packages;
  }

  async getPackage(name: string, signal?: AbortSignal): Promise<PackageDetails | null> {
    this.#assertNames([name]);
    const pkg = (await this.listInstalled(signal)).find((candidate) => candidate.name === name);
    if (pkg === undefined) return null;
    const plan = await this.deployments.planUpgrade(signal);
    const change = plan?.changes.find((candidate) => candidate.name === name && candidate.to_version !== null);
    return { ...pkg, upgradable: change !== undefined, available_version: change?.to_version ?? null };
  }

  /** A newer commit on the default deployment's origin is one update, named for the osname. */
  async listUpgrades(signal?: AbortSignal): Promise<Upgrade[]> {
    const plan = await this.deployments.planUpgrade(signal);
    if (plan === null) return [];
    return [
      {
        name: plan.osname,
        current_version: plan.from?.version ?? plan.from?.checksum ?? '',
        available_version: plan.to.version ?? plan.to.checksum,
        architecture: null,
        security: null,
        severity: null,
        advisories: [],
        repository: plan.to.origin,
        package_changes: plan.packages_compared ? plan.changes.filter((change) => change.name !== plan.osname) : null,
      },
    ];
  }

  // ---- changes -----------------------------------------------------------------------------

  async install(specs: readonly PackageSpec[], _ctx: OperationContext): Promise<OperationOutput> {
    this.#assertSpecs(specs);
    throw new LpaError('LPA_ERR_NOT_SUPPORTED', NO_LAYERING);
  }

  async update(name: string, version: string | undefined, _ctx: OperationContext): Promise<OperationOutput> {
    this.#assertSpecs([version === undefined ? { name } : { name, version }]);
    throw new LpaError('LPA_ERR_NOT_SUPPORTED', NO_LAYERING);
  }

  async remove(names: readonly string[], _ctx: OperationContext): Promise<OperationOutput> {
    this.#assertNames(names);
    throw new LpaError('LPA_ERR_NOT_SUPPORTED', NO_LAYERING);
  }

  /** `ostree admin upgrade`: the newest commit of the origin becomes the next boot's default. */
  async applyUpgrades(selection: UpgradeSelection, ctx: OperationContext): Promise<OperationOutput> {
    await this.#assertWholeImage(selection, ctx.signal);
    const state = await this.#sysroot.state(ctx.signal);
    if (state.default === null) throw new LpaError('LPA_ERR_CONFLICT', 'the sysroot has no deployment to upgrade');
    await this.#lock.waitUntilFree(ctx.lockWaitSeconds, ctx.signal);
    const cli = this.#sysroot.cli;
    return { output: await cli.change(cli.adminArgs('upgrade', [`--os=${state.default.osname}`]), ctx) };
  }

  async planInstall(specs: readonly PackageSpec[]): Promise<PlannedChange[]> {
    this.#assertSpecs(specs);
    throw new LpaError('LPA_ERR_NOT_SUPPORTED', NO_LAYERING);
  }

  async planRemove(names: readonly string[]): Promise<PlannedChange[]> {
    this.#assertNames(names);
    throw new LpaError('LPA_ERR_NOT_SUPPORTED', NO_LAYERING);
  }

  async planUpgrades(selection: UpgradeSelection, signal?: AbortSignal): Promise<PlannedChange[]> {
    await this.#assertWholeImage(selection, signal);
    return (await this.deployments.planUpgrade(signal))?.changes ?? [];
  }

  /**
   * FR-007 refresh: the commit header of the default deployment's origin, and when it moved, the
   * package database of the new commit (so GET /patches can compare packages before the download).
   */
  async refreshCache(ctx: OperationContext): Promise<OperationOutput> {
    const { default: current } = await this.#sysroot.state(ctx.signal);
    if (current?.origin != null) await this.deployments.pullForComparison(current.origin, ctx.signal);
    await writeFile(this.#refreshStamp, `${new Date().toISOString()}\n`);
    return { output: '' };
  }

  async lastCacheUpdate(): Promise<Date | null> {
    try {
      return (await stat(this.#refreshStamp)).mtime;
    } catch {
      return null;
    }
  }

  isFetchError(output: string): boolean {
    return isOstreeFetchError(output);
  }

  // ---- grammar -----------------------------------------------------------------------------

  readonly namePattern = IMAGE_NAME_PATTERN;

  validateName(name: string): string | null {
    return validateImagePackageName(name);
  }

  validateVersion(version: string): string | null {
    return validateImagePackageVersion(version);
  }

  compareVersions(a: string, b: string): number {
    return this.#kind === 'rpm' ? compareEvr(a, b) : compareDebianVersions(a, b);
  }

  // ---- locks, repair, reboot ---------------------------------------------------------------

  findLockHolder(): Promise<LockHolder | null> {
    return this.#lock.holder();
  }

  /**
   * `ostree admin cleanup`: removes what an interrupted deploy left behind (staging dirs,
   * unreferenced objects). It needs the sysroot lock; a foreign holder is waited for as long as a
   * job would wait, then the repair is reported undone rather than blocking behind it.
   */
  async repair(ctx: OperationContext): Promise<RepairOutcome> {
    const cli = this.#sysroot.cli;
    const args = cli.adminArgs('cleanup', []);
    try {
      await this.#lock.waitUntilFree(ctx.lockWaitSeconds, ctx.signal);
    } catch (error) {
      return { needed: true, consistent: false, output: error instanceof Error ? error.message : String(error) };
    }
    try {
      const output = await cli.change(args, ctx);
      return { needed: false, consistent: true, output };
    } catch (error) {
      const output = error instanceof LpaError && typeof error.details?.output === 'string' ? error.details.output : '';
      return { needed: true, consistent: false, output };
    }
  }

  /** A reboot is due while the next boot's default is not the running deployment. */
  async rebootRequired(): Promise<boolean> {
    return (await this.#sysroot.state()).deployments.some((deployment) => deployment.pending);
  }

  // ---- helpers -----------------------------------------------------------------------------

  #assertNames(names: readonly string[]): void {
    this.#assertSpecs(names.map((name) => ({ name })));
  }

  #assertSpecs(specs: readonly PackageSpec[]): void {
    const issues: { path: string; message: string }[] = [];
    specs.forEach((spec, index) => {
      const nameProblem = this.validateName(spec.name);
      if (nameProblem !== null) issues.push({ path: `packages.${index}.name`, message: nameProblem });
      if (spec.version !== undefined) {
        const versionProblem = this.validateVersion(spec.version);
        if (versionProblem !== null) issues.push({ path: `packages.${index}.version`, message: versionProblem });
      }
    });
    if (issues.length > 0) throw new LpaError('LPA_ERR_VALIDATION', 'invalid package name or version', { details: { issues } });
  }

  /** An image is updated whole: a name list other than the osname, or security_only, cannot be honoured. */
  async #assertWholeImage(selection: UpgradeSelection, signal?: AbortSignal): Promise<void> {
    if (selection.names !== null) this.#assertNames(selection.names);
    if (selection.securityOnly) {
      throw new LpaError('LPA_ERR_NOT_SUPPORTED', 'an OSTree image has no security classification; apply the whole update');
    }
    if (selection.names === null) return;
    const osname = (await this.#sysroot.state(signal)).default?.osname;
    const others = selection.names.filter((name) => name !== osname);
    if (others.length > 0) {
      throw new LpaError('LPA_ERR_NOT_SUPPORTED', `an OSTree image is updated whole; name only ${osname ?? 'the osname'}`, {
        details: { names: others },
      });
    }
  }
}
