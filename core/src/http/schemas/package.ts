import { z } from 'zod';
import { changeSchema } from './deployment.js';
import { heldBackSchema } from './job.js';

/** SPEC §5: package names and versions are at most 255 characters (the distro grammar is checked too). */
export const packageName = z.string().min(1).max(255).meta({ id: 'PackageName' });
export const packageVersion = z.string().min(1).max(255).meta({ id: 'PackageVersion' });
export const MAX_PACKAGES_PER_REQUEST = 100;

/** A page bound in a query string (`limit`, `offset`). */
const count = z.number().int().min(0).max(999_999_999);

export const packageSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    architecture: z.string().nullable(),
    status: z.string(),
    description: z.string().nullable(),
    installed_size: z.number().nullable().describe('Bytes, where the package database says'),
    upgradable: z.boolean(),
    available_version: z.string().nullable(),
  })
  .meta({ id: 'Package' });

export const packageListSchema = z
  .object({ packages: z.array(packageSchema), total: z.number().int().nonnegative() })
  .meta({ id: 'PackageList' });

export const packageListQuery = z
  .object({
    name: z.string().max(255).optional().describe('Substring, or a glob with * ? [...]'),
    version: z.string().max(255).optional().describe('Exact installed version'),
    status: z.string().max(64).optional(),
    upgradable: z.boolean().optional(),
    limit: count.optional().describe('At most this many packages'),
    offset: count.optional().describe('Skip this many packages first'),
  })
  .strict();

export const packageNameParams = z.object({ name: packageName }).strict();

const dryRun = z.boolean().optional().describe('Plan only: the job completes with plan and plan_hash and changes nothing');

export const installBody = z
  .object({
    packages: z
      .array(z.object({ name: packageName, version: packageVersion.optional() }).strict())
      .min(1)
      .max(MAX_PACKAGES_PER_REQUEST),
    dry_run: dryRun,
  })
  .strict()
  .meta({ id: 'InstallRequest' });

export const updateBody = z
  .object({ version: packageVersion.optional(), dry_run: dryRun })
  .strict()
  .meta({ id: 'UpdateRequest' })
  .optional();

export const removeQuery = z
  .object({ dry_run: z.boolean().optional().describe('true: plan the removal only; nothing changes') })
  .strict();

export const ADVISORY_SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export const CLASSIFICATIONS = ['security', 'bugfix', 'enhancement', 'unknown'] as const;
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

export const advisorySchema = z
  .object({
    id: z.string().describe("The advisory's own id (RHSA-…, DSA-…, AVG-…), or the CVE id where the source has no advisory ids"),
    type: z.enum(CLASSIFICATIONS),
    severity: z.enum(ADVISORY_SEVERITIES).describe('Normalized across distributions'),
    severity_raw: z.string().nullable().describe("The source's own word (Important, high, not yet assigned, …)"),
    cves: z.array(z.string()),
    source: z
      .string()
      .describe(
        'Where it came from: `updateinfo`, `debian-security-tracker`, `alpine-secdb`, `arch-security`, or the backend name for ids without details',
      ),
    url: z.string().nullable(),
    issued: z.string().nullable(),
  })
  .meta({ id: 'Advisory' });

export const patchSchema = z
  .object({
    name: z.string(),
    current_version: z.string(),
    available_version: z.string(),
    architecture: z.string().nullable(),
    security: z.boolean().nullable().describe('null when the distribution has no such metadata'),
    severity: z.string().nullable().describe("The highest severity in the distribution's own words (kept for compatibility)"),
    classification: z.enum(CLASSIFICATIONS),
    advisories: z.array(advisorySchema),
    repository: z.string().nullable(),
    package_changes: z
      .array(changeSchema)
      .nullable()
      .optional()
      .describe('Atomic hosts: the package differences between the two commits (null when a commit has no package database)'),
    held_back: heldBackSchema
      .nullable()
      .describe('null, or why the package manager would not apply this update (a hold, a pin, a phased rollout, an ignore list)'),
  })
  .meta({ id: 'Patch' });

export const patchListSchema = z
  .object({
    patches: z.array(patchSchema),
    total: z.number().int().nonnegative(),
    last_cache_update: z.string().nullable(),
  })
  .meta({ id: 'PatchList' });

export const patchListQuery = z
  .object({
    security: z.boolean().optional().describe('true: security updates only'),
    severity: z.enum(ADVISORY_SEVERITIES).optional().describe('Only updates with an advisory of this (normalized) severity'),
    cve: z
      .string()
      .regex(CVE_ID, 'a CVE id such as CVE-2024-3094')
      .optional()
      .describe('Only updates whose advisories name this CVE'),
  })
  .strict();

export const applyBody = z
  .object({
    packages: z
      .union([
        z.array(packageName).min(1).max(MAX_PACKAGES_PER_REQUEST),
        z
          .array(z.object({ name: packageName, version: packageVersion }).strict())
          .min(1)
          .max(MAX_PACKAGES_PER_REQUEST)
          .refine((specs) => new Set(specs.map((spec) => spec.name)).size === specs.length, 'each package at most once'),
      ])
      .optional()
      .describe('Names (apply their updates), or name/version pairs (bring each to exactly that version, up or down)'),
    security_only: z.boolean().optional(),
    dry_run: dryRun,
  })
  .strict()
  .meta({ id: 'PatchApplyRequest' })
  .optional();
