import type {
  Deployment,
  DeploymentManager,
  DeploymentPlan,
  DeploymentState,
  InstalledPackage,
  OperationContext,
  OperationOutput,
  PlannedChange,
} from '@linux-patch-api/core';
import { diffInstalled, LpaError } from '@linux-patch-api/core';
import type { PackageSet } from './package-database.js';
import { DATABASE_SUBPATHS } from './package-database.js';
import { formatRefspec, parseRefspec, validateRefspec } from './refspec.js';
import { Sysroot, type SysrootDeployment, type SysrootState, stateOf } from './sysroot.js';
import type { SysrootLock } from './sysroot-lock.js';

export interface OstreeDeploymentsOptions {
  sysroot: Sysroot;
  lock: SysrootLock;
  /** Version order of the packages in a set (dpkg or rpm rules). */
  compareVersions(a: string, b: string): number;
}

/** The API view of a deployment: the internal serial and directory stay inside. */
function publicDeployment({ serial: _serial, directory: _directory, ...deployment }: SysrootDeployment): Deployment {
  return deployment;
}

/**
 * The deployments of an OSTree sysroot (SPEC §13), driven through the `ostree` command line:
 * upgrade (`admin upgrade`), rollback (`admin undeploy 0` while the new default is pending, else
 * the previous commit deployed again with its origin), rebase (`admin switch`), removal of a
 * pending deployment (`admin undeploy`). Packages are not layered: an image changes as a whole.
 */
export class OstreeDeployments implements DeploymentManager {
  readonly packageLayering = false;

  constructor(private readonly options: OstreeDeploymentsOptions) {}

  get #sysroot(): Sysroot {
    return this.options.sysroot;
  }

  async list(signal?: AbortSignal): Promise<Deployment[]> {
    return (await this.#sysroot.state(signal)).deployments.map(publicDeployment);
  }

  async nextBootInventory(signal?: AbortSignal): Promise<InstalledPackage[]> {
    const { default: next } = await this.#sysroot.state(signal);
    if (next === null) return [];
    const packages = await this.#sysroot.deploymentPackages(next, signal);
    return [Sysroot.imageEntry(next.osname, stateOf(next)), ...(packages?.packages ?? [])];
  }

  validateRef(ref: string): string | null {
    return validateRefspec(ref);
  }

  /** Fetches the commit header of `refspec` and the subpaths holding a package database (FR-007 refresh). */
  async pullForComparison(refspec: string, signal?: AbortSignal): Promise<void> {
    const { remote, ref } = parseRefspec(refspec);
    if (remote === null) return;
    const cli = this.#sysroot.cli;
    const pulled = await cli.run(cli.repoArgs('pull', ['--commit-metadata-only', remote, ref]), signal);
    if (pulled.exitCode !== 0) throw cli.failure(['pull', refspec], pulled);
    const subpaths = DATABASE_SUBPATHS.map((path) => `--subpath=${path}`);
    const content = await cli.run(cli.repoArgs('pull', [...subpaths, remote, ref]), signal);
    if (content.exitCode !== 0) throw cli.failure(['pull', refspec], content);
  }

  async planUpgrade(signal?: AbortSignal): Promise<DeploymentPlan | null> {
    const { default: current } = await this.#sysroot.state(signal);
    if (current === null || current.origin === null) return null;
    const checksum = await this.#sysroot.resolve(current.origin, signal);
    if (checksum === null || checksum === current.checksum) return null;
    const commit = await this.#sysroot.commit(checksum, signal);
    // `ostree admin upgrade` refuses a chronologically older commit: it is not an update.
    if (commit.timestamp !== null && current.timestamp !== null && commit.timestamp <= current.timestamp) return null;
    return this.#plan('upgrade', current, { checksum, version: commit.version, origin: current.origin }, signal);
  }

  async planRollback(signal?: AbortSignal): Promise<DeploymentPlan> {
    const state = await this.#sysroot.state(signal);
    const previous = state.deployments[1];
    if (state.default === null || previous === undefined) {
      throw new LpaError('LPA_ERR_CONFLICT', 'there is no earlier deployment to roll back to');
    }
    return this.#plan('rollback', state.default, stateOf(previous), signal, previous);
  }

  async planRebase(ref: string, signal?: AbortSignal): Promise<DeploymentPlan> {
    const state = await this.#sysroot.state(signal);
    if (state.default === null) throw new LpaError('LPA_ERR_CONFLICT', 'the sysroot has no deployment to rebase');
    const refspec = this.#qualify(ref, state);
    await this.pullForComparison(refspec, signal);
    const checksum = await this.#sysroot.resolve(refspec, signal);
    if (checksum === null) throw new LpaError('LPA_ERR_NOT_FOUND', `ref ${refspec} does not exist`);
    const commit = await this.#sysroot.commit(checksum, signal);
    return this.#plan('rebase', state.default, { checksum, version: commit.version, origin: refspec }, signal);
  }

  async planUndeploy(index: number, signal?: AbortSignal): Promise<DeploymentPlan> {
    const state = await this.#sysroot.state(signal);
    const target = state.deployments[index];
    if (target === undefined) throw new LpaError('LPA_ERR_NOT_FOUND', `there is no deployment ${index}`);
    if (target.booted) throw new LpaError('LPA_ERR_CONFLICT', `deployment ${index} is booted and cannot be removed`);
    if (!target.pending) {
      throw new LpaError(
        'LPA_ERR_CONFLICT',
        `deployment ${index} is not pending; only a deployment waiting for the next boot can be removed`,
      );
    }
    const next = state.deployments.find((deployment) => deployment.index !== index);
    if (next === undefined || state.default === null) {
      throw new LpaError('LPA_ERR_CONFLICT', `deployment ${index} is the only one and cannot be removed`);
    }
    const after = index === 0 ? next : state.default;
    return this.#plan('undeploy', state.default, stateOf(after), signal, after);
  }

  async rollback(ctx: OperationContext): Promise<OperationOutput> {
    const state = await this.#sysroot.state(ctx.signal);
    const [current, previous] = state.deployments;
    if (current === undefined || previous === undefined) {
      throw new LpaError('LPA_ERR_CONFLICT', 'there is no earlier deployment to roll back to');
    }
    await this.options.lock.waitUntilFree(ctx.lockWaitSeconds, ctx.signal);
    const cli = this.#sysroot.cli;
    // A default that is not running yet is simply dropped; a running one stays, and the previous
    // commit is deployed again in front of it with its own origin.
    const args = current.booted
      ? cli.adminArgs('deploy', [
          `--os=${previous.osname}`,
          '--retain',
          `--origin-file=${previous.directory}.origin`,
          previous.checksum,
        ])
      : cli.adminArgs('undeploy', ['0']);
    return { output: await cli.change(args, ctx) };
  }

  async rebase(ref: string, ctx: OperationContext): Promise<OperationOutput> {
    const state = await this.#sysroot.state(ctx.signal);
    if (state.default === null) throw new LpaError('LPA_ERR_CONFLICT', 'the sysroot has no deployment to rebase');
    const refspec = this.#qualify(ref, state);
    await this.options.lock.waitUntilFree(ctx.lockWaitSeconds, ctx.signal);
    const cli = this.#sysroot.cli;
    return { output: await cli.change(cli.adminArgs('switch', [`--os=${state.default.osname}`, refspec]), ctx) };
  }

  async undeploy(index: number, ctx: OperationContext): Promise<OperationOutput> {
    await this.planUndeploy(index, ctx.signal);
    await this.options.lock.waitUntilFree(ctx.lockWaitSeconds, ctx.signal);
    const cli = this.#sysroot.cli;
    return { output: await cli.change(cli.adminArgs('undeploy', [String(index)]), ctx) };
  }

  /** A ref without a remote follows the remote of the default deployment's origin. */
  #qualify(ref: string, state: SysrootState): string {
    const problem = validateRefspec(ref);
    if (problem !== null)
      throw new LpaError('LPA_ERR_VALIDATION', problem, { details: { issues: [{ path: 'ref', message: problem }] } });
    const parsed = parseRefspec(ref);
    if (parsed.remote !== null || state.default?.origin == null) return ref;
    return formatRefspec({ remote: parseRefspec(state.default.origin).remote, ref: parsed.ref });
  }

  /**
   * A plan from the current default to `to`: the image as one change, then the package
   * differences when both trees carry a package database (a deployment's own tree, or the commit's
   * database read from the repository).
   */
  async #plan(
    action: DeploymentPlan['action'],
    from: SysrootDeployment,
    to: DeploymentState,
    signal: AbortSignal | undefined,
    toDeployment?: SysrootDeployment,
  ): Promise<DeploymentPlan> {
    const [before, after] = await Promise.all([
      this.#sysroot.deploymentPackages(from, signal),
      toDeployment === undefined
        ? this.#sysroot.commitPackages(to.checksum, signal)
        : this.#sysroot.deploymentPackages(toDeployment, signal),
    ]);
    const fromState = stateOf(from);
    const image = diffInstalled([Sysroot.imageEntry(from.osname, fromState)], [Sysroot.imageEntry(from.osname, to)], (a, b) =>
      this.options.compareVersions(a, b),
    );
    return {
      action,
      osname: from.osname,
      from: fromState,
      to,
      packages_compared: before !== null && after !== null,
      changes: [...image, ...this.#packageChanges(before, after)],
    };
  }

  #packageChanges(before: PackageSet | null, after: PackageSet | null): PlannedChange[] {
    if (before === null || after === null) return [];
    return diffInstalled(before.packages, after.packages, (a, b) => this.options.compareVersions(a, b));
  }
}
