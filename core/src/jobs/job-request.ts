import type { PackageSpec } from '../contracts/backend.js';

/** A validated request for a job, as the routes hand it to the job manager. */
export type JobRequest =
  | { type: 'package_install'; packages: PackageSpec[] }
  | { type: 'package_update'; name: string; version?: string }
  | { type: 'package_remove'; name: string }
  | { type: 'patch_apply'; packages: string[] | null; security_only: boolean; dry_run: boolean };

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
  }
}
