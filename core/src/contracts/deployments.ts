import type { InstalledPackage, OperationContext, OperationOutput } from './backend.js';
import type { PlannedChange } from './job.js';

/** One deployment of an atomic host (SPEC §13), as GET /deployments shows it. */
export interface Deployment {
  /** Position in the boot order: 0 is the default for the next boot. */
  index: number;
  osname: string;
  /** The commit checksum the deployment was checked out from. */
  checksum: string;
  /** The commit's `version` metadata, where it has one. */
  version: string | null;
  /** The origin refspec (`remote:ref`) that upgrades follow; null for a deployment of a bare commit. */
  origin: string | null;
  booted: boolean;
  /** Finalised only at shutdown (`ostree admin deploy --stage`). */
  staged: boolean;
  /** The default for the next boot while another deployment is booted. */
  pending: boolean;
  pinned: boolean;
  /** The commit's timestamp (RFC 3339), where it can be read. */
  timestamp: string | null;
}

/** One side of a deployment change: which commit, at which version, following which refspec. */
export interface DeploymentState {
  checksum: string;
  version: string | null;
  origin: string | null;
}

/**
 * What a deployment job is about to do, as beforeApply taps and dry runs see it (`job.deployment`):
 * from which deployment to which, and the package differences between the two where both commits
 * carry a package database (`changes`, which is also the job's plan).
 */
export interface DeploymentPlan {
  action: 'upgrade' | 'rollback' | 'rebase' | 'undeploy';
  osname: string;
  /** The default deployment now; null when there is none. */
  from: DeploymentState | null;
  /** The default deployment afterwards. */
  to: DeploymentState;
  /** Whether the package databases of both commits could be read (else `changes` lists only the image). */
  packages_compared: boolean;
  changes: PlannedChange[];
}

/**
 * The optional capability of a backend for hosts managed as whole deployments (OSTree). A backend
 * that has it serves GET/POST/DELETE /deployments; the core measures a job's changes with
 * `nextBootInventory()` (the deployment the next boot uses) instead of `listInstalled()`, and rolls
 * jobs back with `rollback()`.
 */
export interface DeploymentManager {
  /** Whether packages can be layered onto a deployment; false = install/update/remove are NOT_SUPPORTED. */
  readonly packageLayering: boolean;
  list(signal?: AbortSignal): Promise<Deployment[]>;
  /**
   * What the next boot runs: the image itself as one entry named for the osname at its version
   * (or checksum), then the packages of its package database.
   */
  nextBootInventory(signal?: AbortSignal): Promise<InstalledPackage[]>;
  /** null when valid, else the reason (`remote:ref` or `ref`; never anything option-like). */
  validateRef(ref: string): string | null;

  /** The upgrade to the newest commit of the default deployment's origin; null when it is current. */
  planUpgrade(signal?: AbortSignal): Promise<DeploymentPlan | null>;
  /** Throws LPA_ERR_CONFLICT (with the reason) when there is no earlier deployment to go back to. */
  planRollback(signal?: AbortSignal): Promise<DeploymentPlan>;
  planRebase(ref: string, signal?: AbortSignal): Promise<DeploymentPlan>;
  /** Throws LPA_ERR_CONFLICT when that deployment may not be removed, LPA_ERR_NOT_FOUND when there is none. */
  planUndeploy(index: number, signal?: AbortSignal): Promise<DeploymentPlan>;

  rollback(ctx: OperationContext): Promise<OperationOutput>;
  rebase(ref: string, ctx: OperationContext): Promise<OperationOutput>;
  undeploy(index: number, ctx: OperationContext): Promise<OperationOutput>;
}
