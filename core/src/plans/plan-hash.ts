import { createHash } from 'node:crypto';
import type { PackageManagerBackend } from '../contracts/backend.js';
import type { PlannedChange } from '../contracts/job.js';
import { canonicalJson } from './canonical-json.js';

/** What the system looked like when a plan was made (SPEC §12.2). */
export interface PlanFingerprints {
  /** SHA-256 over the installed set (name, version, architecture, status of every package). */
  installed: string;
  /** The backend's package-index fingerprint; without one, a digest of the updates it offers. */
  package_index: string;
}

/**
 * Everything plan_hash covers. A typed object rather than loose fields, so later additions to a
 * plan (held-back packages, forecasts, predicted rollbacks) become fields here and enter the hash.
 */
export interface PlanHashInput {
  backend: { name: string; root: string | null };
  /** The request as the job records it, without `dry_run`: the dry run and the apply share it. */
  request: Record<string, unknown>;
  changes: readonly PlannedChange[];
  fingerprints: PlanFingerprints;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function currentFingerprints(backend: PackageManagerBackend, signal?: AbortSignal): Promise<PlanFingerprints> {
  const installed = (await backend.listInstalled(signal))
    .map((pkg) => [pkg.name, pkg.version, pkg.architecture, pkg.status])
    .sort((a, b) => (`${a[0]}\0${a[2]}` < `${b[0]}\0${b[2]}` ? -1 : 1));
  // A backend written against plugin API 1.0 has no index fingerprint: what its index offers for
  // the installed packages stands in (it misses packages that are not installed).
  const packageIndex =
    backend.indexFingerprint === undefined
      ? `upgrades:${sha256(canonicalJson((await backend.listUpgrades(signal)).map((u) => [u.name, u.available_version])))}`
      : await backend.indexFingerprint(signal);
  return { installed: sha256(canonicalJson(installed)), package_index: packageIndex };
}

/** The request part of the hash: the job's recorded request without `dry_run`. */
export function plannedRequest(request: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { dry_run: _dryRun, ...rest } = request;
  return rest;
}

export function planHash(input: PlanHashInput): string {
  return sha256(canonicalJson(input));
}

/** Which fingerprints differ between two readings (empty when none moved). */
export function movedFingerprints(before: PlanFingerprints, now: PlanFingerprints): (keyof PlanFingerprints)[] {
  return (Object.keys(before) as (keyof PlanFingerprints)[]).filter((key) => before[key] !== now[key]);
}

/** `If-Match: "<hash>"` (or W/"…", or a bare hash) → the hash; null when the header is absent. */
export function parseIfMatch(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') return null;
  return header
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}
