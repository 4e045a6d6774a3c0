import { z } from 'zod';

const CHANGE_ACTIONS = ['installed', 'upgraded', 'downgraded', 'removed'] as const;

/** One package change, planned or measured. */
export const changeSchema = z
  .object({
    name: z.string(),
    action: z.enum(CHANGE_ACTIONS),
    from_version: z.string().nullable(),
    to_version: z.string().nullable(),
  })
  .meta({ id: 'PackageChange' });

/** One deployment of an atomic host (SPEC §13; core/src/contracts/deployments.ts). */
export const deploymentSchema = z
  .object({
    index: z.number().int().nonnegative().describe('0 is the default for the next boot'),
    osname: z.string(),
    checksum: z.string(),
    version: z.string().nullable(),
    origin: z.string().nullable().describe('The origin refspec (remote:ref) that upgrades follow'),
    booted: z.boolean(),
    staged: z.boolean(),
    pending: z.boolean().describe('The default for the next boot while another deployment is booted'),
    pinned: z.boolean(),
    timestamp: z.string().nullable().describe("The commit's timestamp"),
  })
  .meta({ id: 'Deployment' });

export const deploymentListSchema = z
  .object({
    deployments: z.array(deploymentSchema),
    total: z.number().int().nonnegative(),
  })
  .meta({ id: 'DeploymentList' });

const deploymentStateSchema = z
  .object({
    checksum: z.string(),
    version: z.string().nullable(),
    origin: z.string().nullable(),
  })
  .meta({ id: 'DeploymentState' });

export const deploymentPlanSchema = z
  .object({
    action: z.enum(['upgrade', 'rollback', 'rebase', 'undeploy']),
    osname: z.string(),
    from: deploymentStateSchema.nullable(),
    to: deploymentStateSchema,
    packages_compared: z.boolean().describe('Whether both commits carried a readable package database'),
    changes: z.array(changeSchema),
  })
  .meta({ id: 'DeploymentPlan' });

/** A refspec as a client sends it: checked again against OSTree's grammar by the backend. */
const refspec = z.string().min(1).max(255);

export const rebaseBody = z.object({ ref: refspec, dry_run: z.boolean().optional() }).strict().meta({ id: 'RebaseRequest' });

export const deploymentRollbackBody = z
  .object({ dry_run: z.boolean().optional() })
  .strict()
  .meta({ id: 'DeploymentRollbackRequest' })
  .optional();

export const deploymentIndexParams = z.object({ index: z.coerce.number().int().nonnegative().max(1000) }).strict();

export const deploymentDeleteQuery = z.object({ dry_run: z.boolean().optional().describe('true plans only') }).strict();
