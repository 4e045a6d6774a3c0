// Types for targets.mjs (used by TypeScript benchmarks and tests).
export interface PackageTarget {
  id: 'deb' | 'rpm-dnf' | 'rpm-yum' | 'apk' | 'pacman';
  format: 'deb' | 'rpm' | 'apk' | 'pacman';
  backend: string;
  audit: string[];
  init: 'systemd' | 'openrc';
  nodeDependency: string;
  requires: string[];
  release?: string;
  /** [path, why] pairs rendered as ReadWritePaths= lines. */
  writable: [string, string][];
  packageManagerPaths: string;
}

export const TARGETS: PackageTarget[];
export function architectureNames(nodeArch: string): Record<'deb' | 'rpm' | 'apk' | 'pacman', string>;
export function findTarget(id: string): PackageTarget;
