import type { PackageSpec } from '../contracts/backend.js';

/** A validated request for a job, as the routes hand it to the job manager. */
export type JobRequest =
  | { type: 'package_install'; packages: PackageSpec[] }
  | { type: 'package_update'; name: string; version?: string }
  | { type: 'package_remove'; name: string }
  | { type: 'patch_apply'; packages: string[] | null; security_only: boolean; dry_run: boolean }
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
  return 'dry_run' in request && request.dry_run;
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
      return (request.packages ?? []).map((name) => ({ name }));
    default:
      return [];
  }
}
