import type { PackageSpec } from '../contracts/backend.js';

/** One package at one exact version (a pinned apply, SPEC §12.3). */
export type PinnedSpec = Required<PackageSpec>;

/**
 * A validated request for a job, as the routes hand it to the job manager. `dry_run` is present
 * only when true on the package requests, so their records look as they did before dry runs.
 */
export type JobRequest =
  | { type: 'package_install'; packages: PackageSpec[]; dry_run?: true }
  | { type: 'package_update'; name: string; version?: string; dry_run?: true }
  | { type: 'package_remove'; name: string; dry_run?: true }
  | { type: 'patch_apply'; packages: string[] | PinnedSpec[] | null; security_only: boolean; dry_run: boolean }
  | { type: 'deployment_rollback'; dry_run: boolean }
  | { type: 'deployment_rebase'; ref: string; dry_run: boolean }
  | { type: 'deployment_undeploy'; index: number; dry_run: boolean };

/** Requests that change deployments, not packages: they need a backend with the deployments capability. */
export type DeploymentJobRequest = Extract<JobRequest, { type: `deployment_${string}` }>;

export function isDeploymentRequest(request: JobRequest): request is DeploymentJobRequest {
  return request.type.startsWith('deployment_');
}

/** Whether the request asks for a plan only. */
export function isDryRun(request: JobRequest): boolean {
  return 'dry_run' in request && request.dry_run === true;
}

/** The pairs of a pinned apply, or null for any other request. */
export function pinnedSpecsOf(request: JobRequest): PinnedSpec[] | null {
  if (request.type !== 'patch_apply' || request.packages === null) return null;
  const [first] = request.packages;
  return typeof first === 'object' ? (request.packages as PinnedSpec[]) : null;
}

/** The names of a patch apply that names packages without versions, else null. */
export function selectedNamesOf(request: JobRequest): string[] | null {
  if (request.type !== 'patch_apply' || request.packages === null) return null;
  return pinnedSpecsOf(request) === null ? (request.packages as string[]) : null;
}

/** The names and versions a request mentions, for validation against the distro's grammar. */
export function specsOf(request: JobRequest): PackageSpec[] {
  switch (request.type) {
    case 'package_install':
      return request.packages;
    case 'package_update':
      return [request.version === undefined ? { name: request.name } : { name: request.name, version: request.version }];
    case 'package_remove':
      return [{ name: request.name }];
    case 'patch_apply':
      return pinnedSpecsOf(request) ?? (selectedNamesOf(request) ?? []).map((name) => ({ name }));
    default:
      return [];
  }
}
