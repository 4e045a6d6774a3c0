import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BackendInfo,
  type CommandResult,
  type CommandRunner,
  type InstalledPackage,
  type LockHolder,
  LpaError,
  type OperationContext,
  type OperationOutput,
  type PackageDetails,
  type PackageManagerBackend,
  type PackageSpec,
  type PlannedChange,
  type RepairOutcome,
  type Upgrade,
  type UpgradeSelection,
} from '@linux-patch-api/core';

export const FAKE_PM_SCRIPT = fileURLToPath(new URL('./fake-pm.mjs', import.meta.url));

const NAME = /^[a-z0-9][a-z0-9+.-]{0,254}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+~:-]{0,254}$/;
const FETCH_ERROR = /Failed to fetch|404\s+Not Found|Cannot download/i;
const LOCKED = /Could not get lock (\S+)\. It is held by process (\d+)/;

export interface FakeBackendOptions {
  runner: CommandRunner;
  /** The fake package manager's JSON database. */
  dbPath: string;
  /** Milliseconds between SIGTERM and SIGKILL when a run is stopped. */
  killGraceMs?: number;
}

/** Compares dotted versions numerically where both parts are numbers. */
export function compareFakeVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const diff = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

function specArg(spec: PackageSpec): string {
  return spec.version === undefined ? spec.name : `${spec.name}=${spec.version}`;
}

function parseInstalled(line: string): InstalledPackage | null {
  const [name, version, architecture, status, description, size] = line.split('\t');
  if (!name || !version) return null;
  return {
    name,
    version,
    architecture: architecture ?? null,
    status: status ?? 'installed',
    description: description ?? null,
    installed_size: size === undefined ? null : Number(size),
  };
}

function parsePlan(output: string): PlannedChange[] {
  const plan: PlannedChange[] = [];
  for (const line of output.split('\n')) {
    const [tag, action, name, from, to] = line.split('\t');
    if (tag !== 'plan' || !name || !action) continue;
    plan.push({
      name,
      action: action as PlannedChange['action'],
      from_version: from === '-' || from === undefined ? null : from,
      to_version: to === '-' || to === undefined ? null : to,
    });
  }
  return plan;
}

/**
 * A PackageManagerBackend that drives fake-pm.mjs through the injected CommandRunner, exactly as
 * the real backends drive apt or dnf: argument arrays, `--` before names, output parsed line by
 * line, lock and fetch failures turned into coded errors.
 */
export class FakePackageManagerBackend implements PackageManagerBackend {
  readonly #runner: CommandRunner;
  readonly #dbPath: string;
  readonly #killGraceMs: number;

  constructor(options: FakeBackendOptions) {
    this.#runner = options.runner;
    this.#dbPath = options.dbPath;
    this.#killGraceMs = options.killGraceMs ?? 500;
  }

  info(): BackendInfo {
    return { packageManager: 'fake-pm', root: dirname(this.#dbPath) };
  }

  async #query(args: string[], signal?: AbortSignal): Promise<CommandResult> {
    return this.#runner.run({
      file: process.execPath,
      args: [FAKE_PM_SCRIPT, '--db', this.#dbPath, ...args],
      timeoutMs: 30_000,
      killGraceMs: this.#killGraceMs,
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async #checked(args: string[], signal?: AbortSignal): Promise<string> {
    const result = await this.#query(args, signal);
    if (result.exitCode !== 0) {
      const reason =
        result.stderr.split('\n').find((line) => line.startsWith('E: ')) ?? `exit code ${result.exitCode ?? result.signal}`;
      throw new LpaError('LPA_ERR_BACKEND', `fake-pm ${args[0]} failed: ${reason}`);
    }
    return result.stdout;
  }

  async #mutate(args: string[], ctx: OperationContext): Promise<OperationOutput> {
    const lines: string[] = [];
    const result = await this.#runner.run({
      file: process.execPath,
      args: [FAKE_PM_SCRIPT, '--db', this.#dbPath, '--lock-wait', String(ctx.lockWaitSeconds), ...args],
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      killGraceMs: this.#killGraceMs,
      onLine: (line) => {
        lines.push(line);
        const progress = /^progress (\d+)/.exec(line);
        if (progress) ctx.onProgress(Number(progress[1]), line);
        else ctx.onLog(line);
      },
    });
    const output = lines.join('\n');
    if (result.timedOut) throw new LpaError('LPA_ERR_TIMEOUT', 'fake-pm timed out', { details: { output } });
    if (result.aborted) throw new LpaError('LPA_ERR_CANCELLED', 'fake-pm was stopped', { details: { output } });
    if (result.exitCode === 0) return { output };
    const locked = LOCKED.exec(output);
    if (result.exitCode === 75 && locked) {
      throw new LpaError('LPA_ERR_LOCKED', `the package database lock is held by process ${locked[2]}`, {
        details: { path: locked[1], pid: Number(locked[2]) },
      });
    }
    if (this.isFetchError(output)) throw new LpaError('LPA_ERR_FETCH', 'a download failed', { details: { output } });
    throw new LpaError('LPA_ERR_BACKEND', `fake-pm exited with ${result.exitCode ?? result.signal}`, { details: { output } });
  }

  async listInstalled(signal?: AbortSignal): Promise<InstalledPackage[]> {
    const stdout = await this.#checked(['list'], signal);
    return stdout
      .split('\n')
      .map(parseInstalled)
      .filter((pkg): pkg is InstalledPackage => pkg !== null);
  }

  async getPackage(name: string, signal?: AbortSignal): Promise<PackageDetails | null> {
    if (this.validateName(name) !== null) return null;
    const result = await this.#query(['show', '--', name], signal);
    if (result.exitCode !== 0) return null;
    const pkg = parseInstalled(result.stdout.trim());
    if (pkg === null) return null;
    const upgrade = (await this.listUpgrades(signal)).find((candidate) => candidate.name === name);
    return { ...pkg, upgradable: upgrade !== undefined, available_version: upgrade?.available_version ?? null };
  }

  async listUpgrades(signal?: AbortSignal): Promise<Upgrade[]> {
    const stdout = await this.#checked(['upgrades'], signal);
    const upgrades: Upgrade[] = [];
    for (const line of stdout.split('\n')) {
      const [name, current, available, security] = line.split('\t');
      if (!name || !current || !available) continue;
      upgrades.push({
        name,
        current_version: current,
        available_version: available,
        architecture: 'all',
        security: security === 'yes' ? true : security === 'no' ? false : null,
        severity: security === 'yes' ? 'important' : null,
        advisories: security === 'yes' ? [`FAKE-${name}`] : [],
        repository: 'fake',
      });
    }
    return upgrades;
  }

  /** Refuses bad names and versions before any process starts, like every backend must. */
  #check(specs: readonly PackageSpec[]): void {
    for (const spec of specs) {
      const problem = this.validateName(spec.name) ?? (spec.version === undefined ? null : this.validateVersion(spec.version));
      if (problem !== null) throw new LpaError('LPA_ERR_VALIDATION', problem, { details: { name: spec.name } });
    }
  }

  async install(specs: readonly PackageSpec[], ctx: OperationContext): Promise<OperationOutput> {
    this.#check(specs);
    return this.#mutate(['install', '--', ...specs.map(specArg)], ctx);
  }

  async update(name: string, version: string | undefined, ctx: OperationContext): Promise<OperationOutput> {
    this.#check([version === undefined ? { name } : { name, version }]);
    return version === undefined
      ? this.#mutate(['upgrade', '--', name], ctx)
      : this.#mutate(['install', '--', specArg({ name, version })], ctx);
  }

  async remove(names: readonly string[], ctx: OperationContext): Promise<OperationOutput> {
    this.#check(names.map((name) => ({ name })));
    return this.#mutate(['remove', '--', ...names], ctx);
  }

  async applyUpgrades(selection: UpgradeSelection, ctx: OperationContext): Promise<OperationOutput> {
    this.#check((selection.names ?? []).map((name) => ({ name })));
    return this.#mutate(['upgrade', ...(selection.securityOnly ? ['--security'] : []), '--', ...(selection.names ?? [])], ctx);
  }

  async planInstall(specs: readonly PackageSpec[], signal?: AbortSignal): Promise<PlannedChange[]> {
    this.#check(specs);
    return parsePlan(await this.#checked(['install', '--dry-run', '--', ...specs.map(specArg)], signal));
  }

  async planRemove(names: readonly string[], signal?: AbortSignal): Promise<PlannedChange[]> {
    this.#check(names.map((name) => ({ name })));
    return parsePlan(await this.#checked(['remove', '--dry-run', '--', ...names], signal));
  }

  async planUpgrades(selection: UpgradeSelection, signal?: AbortSignal): Promise<PlannedChange[]> {
    this.#check((selection.names ?? []).map((name) => ({ name })));
    const args = ['upgrade', '--dry-run', ...(selection.securityOnly ? ['--security'] : []), '--', ...(selection.names ?? [])];
    return parsePlan(await this.#checked(args, signal));
  }

  refreshCache(ctx: OperationContext): Promise<OperationOutput> {
    return this.#mutate(['refresh'], ctx);
  }

  async lastCacheUpdate(): Promise<Date | null> {
    const db = JSON.parse(await readFile(this.#dbPath, 'utf8')) as { index_updated_at?: string };
    return db.index_updated_at === undefined ? null : new Date(db.index_updated_at);
  }

  isFetchError(output: string): boolean {
    return FETCH_ERROR.test(output);
  }

  validateName(name: string): string | null {
    if (!NAME.test(name)) return 'a package name is lower-case letters, digits and + . - and starts with a letter or digit';
    return name.includes('..') ? 'a package name has no ".."' : null;
  }

  validateVersion(version: string): string | null {
    return VERSION.test(version) ? null : 'a version is letters, digits and . + ~ : - and starts with a letter or digit';
  }

  compareVersions(a: string, b: string): number {
    return compareFakeVersions(a, b);
  }

  async findLockHolder(): Promise<LockHolder | null> {
    const path = join(dirname(this.#dbPath), 'foreign.lock');
    try {
      const pid = Number((await readFile(path, 'utf8')).trim());
      return { path, pid: Number.isInteger(pid) ? pid : null };
    } catch {
      return null;
    }
  }

  async repair(ctx: OperationContext): Promise<RepairOutcome> {
    const { output } = await this.#mutate(['repair'], ctx);
    return { needed: true, consistent: true, output };
  }

  async rebootRequired(): Promise<boolean> {
    return false;
  }
}
