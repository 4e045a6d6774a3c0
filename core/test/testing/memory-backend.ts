import type {
  CommandRunner,
  InstalledPackage,
  LockHolder,
  OperationContext,
  OperationOutput,
  PackageDetails,
  PackageManagerBackend,
  PackageSpec,
  PlannedChange,
  Upgrade,
  UpgradeSelection,
} from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';

const NAME = /^[a-z0-9][a-z0-9+._-]*$/;
const VERSION = /^[0-9][A-Za-z0-9.+~-]*$/;

/** Numeric-aware segment comparison: a small but total version order. */
export function compareSimpleVersions(a: string, b: string): number {
  const left = a.split(/[.+~-]/);
  const right = b.split(/[.+~-]/);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = Number(x);
    const ny = Number(y);
    if (Number.isInteger(nx) && Number.isInteger(ny) && nx !== ny) return nx - ny;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A package manager that keeps its database in memory and runs /bin/true for every mutation (so a
 * recording runner sees real invocations). Correct by construction; tests derive broken variants.
 */
export class MemoryBackend implements PackageManagerBackend {
  readonly installed = new Map<string, InstalledPackage>();
  /** name → versions the "repository" offers. */
  readonly repository = new Map<string, string[]>();

  lastRefresh: Date | null = null;

  constructor(readonly runner: CommandRunner) {}

  info() {
    return { packageManager: 'memory', root: null };
  }

  async listInstalled(): Promise<InstalledPackage[]> {
    return [...this.installed.values()].map((pkg) => ({ ...pkg }));
  }

  async getPackage(name: string): Promise<PackageDetails | null> {
    const pkg = this.installed.get(name);
    if (!pkg) return null;
    const newest = this.newest(name);
    const upgradable = newest !== null && this.compareVersions(newest, pkg.version) > 0;
    return { ...pkg, upgradable, available_version: upgradable ? newest : null };
  }

  async listUpgrades(): Promise<Upgrade[]> {
    const upgrades: Upgrade[] = [];
    for (const pkg of this.installed.values()) {
      const newest = this.newest(pkg.name);
      if (newest !== null && this.compareVersions(newest, pkg.version) > 0) {
        upgrades.push({
          name: pkg.name,
          current_version: pkg.version,
          available_version: newest,
          architecture: pkg.architecture,
          security: null,
          severity: null,
          advisories: [],
          repository: 'memory',
        });
      }
    }
    return upgrades;
  }

  async install(specs: readonly PackageSpec[], ctx: OperationContext): Promise<OperationOutput> {
    this.validateSpecs(specs);
    await this.mutation(['install', '--', ...specs.map((spec) => spec.name)], ctx);
    for (const change of await this.planInstall(specs)) this.put(change.name, change.to_version as string);
    ctx.onProgress(100);
    return { output: '' };
  }

  async update(name: string, version: string | undefined, ctx: OperationContext): Promise<OperationOutput> {
    return this.install([version === undefined ? { name } : { name, version }], ctx);
  }

  async remove(names: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    this.validateNames(names);
    await this.mutation(['remove', '--', ...names], ctx);
    for (const name of names) this.installed.delete(name);
    ctx.onProgress(100);
    return { output: '' };
  }

  /** The process a real package manager would run; a cancelled one changes nothing. */
  private async mutation(args: string[], ctx: OperationContext): Promise<void> {
    const result = await this.runner.run({ file: '/bin/true', args, signal: ctx.signal });
    if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', `${args[0]} was cancelled`);
    ctx.onLog(`${args.join(' ')}: done`);
  }

  async applyUpgrades(selection: UpgradeSelection, ctx: OperationContext): Promise<OperationOutput> {
    if (selection.names) this.validateNames(selection.names);
    const specs = (await this.planUpgrades(selection)).map((change) => ({ name: change.name }));
    return specs.length === 0 ? { output: '' } : this.install(specs, ctx);
  }

  async planInstall(specs: readonly PackageSpec[]): Promise<PlannedChange[]> {
    this.validateSpecs(specs);
    return specs.map((spec) => {
      const to = spec.version ?? this.newest(spec.name);
      if (to === null || !(this.repository.get(spec.name) ?? []).includes(to)) {
        throw new LpaError('LPA_ERR_BACKEND', `no candidate for ${spec.name}`);
      }
      const from = this.installed.get(spec.name)?.version ?? null;
      const action = from === null ? 'installed' : this.compareVersions(to, from) >= 0 ? 'upgraded' : 'downgraded';
      return { name: spec.name, action, from_version: from, to_version: to };
    });
  }

  async planRemove(names: readonly string[]): Promise<PlannedChange[]> {
    this.validateNames(names);
    return names.flatMap((name) => {
      const pkg = this.installed.get(name);
      return pkg ? [{ name, action: 'removed' as const, from_version: pkg.version, to_version: null }] : [];
    });
  }

  async planUpgrades(selection: UpgradeSelection): Promise<PlannedChange[]> {
    const upgrades = await this.listUpgrades();
    return upgrades
      .filter((upgrade) => selection.names === null || selection.names.includes(upgrade.name))
      .map((upgrade) => ({
        name: upgrade.name,
        action: 'upgraded',
        from_version: upgrade.current_version,
        to_version: upgrade.available_version,
      }));
  }

  async refreshCache(ctx: OperationContext): Promise<OperationOutput> {
    await this.runner.run({ file: '/bin/true', args: ['refresh'], signal: ctx.signal });
    this.lastRefresh = new Date();
    return { output: '' };
  }

  async lastCacheUpdate(): Promise<Date | null> {
    return this.lastRefresh;
  }

  isFetchError(output: string): boolean {
    return /Failed to fetch|404\s+Not Found/.test(output);
  }

  validateName(name: string): string | null {
    if (name.length === 0 || name.length > 255) return 'a name has 1 to 255 characters';
    if (!NAME.test(name) || name.includes('..')) return 'not a valid package name';
    return null;
  }

  validateVersion(version: string): string | null {
    if (version.length === 0 || version.length > 255) return 'a version has 1 to 255 characters';
    return VERSION.test(version) ? null : 'not a valid version';
  }

  compareVersions(a: string, b: string): number {
    return compareSimpleVersions(a, b);
  }

  async findLockHolder(): Promise<LockHolder | null> {
    return null;
  }

  async repair() {
    return { needed: false, consistent: true, output: '' };
  }

  async rebootRequired(): Promise<boolean> {
    return false;
  }

  offer(name: string, ...versions: string[]): this {
    this.repository.set(name, [...(this.repository.get(name) ?? []), ...versions]);
    return this;
  }

  put(name: string, version: string): this {
    this.installed.set(name, {
      name,
      version,
      architecture: 'all',
      status: 'installed',
      description: `${name} package`,
      installed_size: 1024,
    });
    return this;
  }

  private newest(name: string): string | null {
    const versions = [...(this.repository.get(name) ?? [])].sort((a, b) => this.compareVersions(a, b));
    return versions.at(-1) ?? null;
  }

  private validateNames(names: readonly string[]): void {
    for (const name of names) {
      const reason = this.validateName(name);
      if (reason) throw new LpaError('LPA_ERR_VALIDATION', `${JSON.stringify(name)}: ${reason}`);
    }
  }

  private validateSpecs(specs: readonly PackageSpec[]): void {
    this.validateNames(specs.map((spec) => spec.name));
    for (const spec of specs) {
      const reason = spec.version === undefined ? null : this.validateVersion(spec.version);
      if (reason) throw new LpaError('LPA_ERR_VALIDATION', `${JSON.stringify(spec.version)}: ${reason}`);
    }
  }
}
