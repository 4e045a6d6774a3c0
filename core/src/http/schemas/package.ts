import { z } from 'zod';

/** SPEC §5: package names and versions are at most 255 characters (the distro grammar is checked too). */
export const packageName = z.string().min(1).max(255);
export const packageVersion = z.string().min(1).max(255);
export const MAX_PACKAGES_PER_REQUEST = 100;

const booleanString = z.enum(['true', 'false']).transform((value) => value === 'true');
const count = z
  .string()
  .regex(/^\d{1,9}$/, 'a non-negative integer')
  .transform(Number);

export const packageSchema = z.object({
  name: z.string(),
  version: z.string(),
  architecture: z.string().nullable(),
  status: z.string(),
  description: z.string().nullable(),
  installed_size: z.number().nullable().describe('Bytes, where the package database says'),
  upgradable: z.boolean(),
  available_version: z.string().nullable(),
});

export const packageListSchema = z.object({ packages: z.array(packageSchema), total: z.number().int().nonnegative() });

export const packageListQuery = z
  .object({
    name: z.string().max(255).optional().describe('Substring, or a glob with * ? [...]'),
    version: z.string().max(255).optional().describe('Exact installed version'),
    status: z.string().max(64).optional(),
    upgradable: booleanString.optional(),
    limit: count.optional(),
    offset: count.optional(),
  })
  .strict();

export const packageNameParams = z.object({ name: packageName }).strict();

export const installBody = z
  .object({
    packages: z
      .array(z.object({ name: packageName, version: packageVersion.optional() }).strict())
      .min(1)
      .max(MAX_PACKAGES_PER_REQUEST),
  })
  .strict();

export const updateBody = z.object({ version: packageVersion.optional() }).strict().optional();

export const patchSchema = z.object({
  name: z.string(),
  current_version: z.string(),
  available_version: z.string(),
  architecture: z.string().nullable(),
  security: z.boolean().nullable().describe('null when the distribution has no such metadata'),
  severity: z.string().nullable(),
  advisories: z.array(z.string()),
  repository: z.string().nullable(),
  held_back: z
    .object({ reason: z.enum(['held', 'pinned', 'phased', 'dependency', 'ignored', 'policy']), detail: z.string() })
    .nullable()
    .optional()
    .describe('Set when the package manager would not apply this update (e.g. an apk world pin)'),
});

export const patchListSchema = z.object({
  patches: z.array(patchSchema),
  total: z.number().int().nonnegative(),
  last_cache_update: z.string().nullable(),
});

export const patchListQuery = z.object({ security: booleanString.optional() }).strict();

export const applyBody = z
  .object({
    packages: z.array(packageName).min(1).max(MAX_PACKAGES_PER_REQUEST).optional(),
    security_only: z.boolean().optional(),
    dry_run: z.boolean().optional(),
  })
  .strict()
  .optional();
