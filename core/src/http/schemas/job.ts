import { z } from 'zod';
import { changeSchema, deploymentPlanSchema } from './deployment.js';
import { apiErrorSchema } from './error.js';

export const JOB_TYPES = [
  'package_install',
  'package_update',
  'package_remove',
  'patch_apply',
  'rollback',
  'deployment_rollback',
  'deployment_rebase',
  'deployment_undeploy',
] as const;
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'timed_out'] as const;
export const rollbackVerdictSchema = z
  .object({
    possible: z.boolean(),
    reason: z.string().nullable(),
    packages: z.array(
      z.object({
        name: z.string(),
        version: z.string(),
        source: z.enum(['repo', 'cache', 'store', 'none']),
        reason: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'RollbackVerdict' });
export const HELD_BACK_REASONS = ['held', 'pinned', 'phased', 'dependency', 'ignored', 'policy'] as const;
export const heldBackSchema = z
  .object({
    reason: z.enum(HELD_BACK_REASONS),
    detail: z.string().describe("What holds it, in the package manager's own terms"),
  })
  .meta({ id: 'HeldBack' });
export const heldBackPackageSchema = z
  .object({ name: z.string(), reason: z.enum(HELD_BACK_REASONS), detail: z.string() })
  .meta({ id: 'HeldBackPackage' });
/** SPEC §12.5; core/src/contracts/forecast.ts. */
export const restartForecastSchema = z
  .object({
    reboot_required: z.boolean(),
    reasons: z
      .array(z.object({ package: z.string().nullable(), why: z.string() }))
      .describe("Why a reboot is needed: the backend's rules by package name, boot files, the package manager's reboot flag"),
    services: z
      .array(z.string())
      .describe('systemd units whose unit files belong to packages that are upgraded, downgraded or removed'),
    processes: z
      .array(z.object({ pid: z.number().int(), command: z.string(), reason: z.string() }))
      .describe(
        'Processes (in backend.root when one is set) mapping a file of such a package: before, any mapping; after, one marked deleted or whose path now holds another file',
      ),
  })
  .meta({ id: 'RestartForecast' });

/** A job record as the API shows it (SPEC §6; core/src/contracts/job.ts). */
export const jobSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(JOB_TYPES),
    status: z.enum(JOB_STATUSES),
    progress: z.number().int().min(0).max(100),
    progress_message: z.string().nullable().describe("The package manager's own words on its progress, when it gives any"),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    request: z.record(z.string(), z.unknown()).describe('The validated request that created the job'),
    client: z.string().nullable().describe('Subject CN of the client certificate that asked for it'),
    changes: z.array(changeSchema).describe('Measured by diffing the installed set before and after'),
    plan: z.array(changeSchema).nullable().describe('What the package manager planned (dry runs, beforeApply taps)'),
    plan_hash: z
      .string()
      .nullable()
      .describe(
        'SHA-256 over the plan, the request, the installed set and the package index; send it as If-Match to apply exactly this plan',
      ),
    log: z.array(z.string()).describe("Tail of the package manager's output"),
    error: apiErrorSchema.nullable(),
    rollback_of: z.string().nullable(),
    rolled_back_by: z.string().nullable(),
    rollback: rollbackVerdictSchema
      .nullable()
      .optional()
      .describe('Whether and from where the changes can be undone (finished jobs with changes); recomputed on GET /jobs/{id}'),
    deployment: deploymentPlanSchema
      .nullable()
      .optional()
      .describe('Atomic hosts: the deployment change the job plans, as beforeApply taps see it'),
    forecast: restartForecastSchema
      .nullable()
      .optional()
      .describe('What the plan will mean for the running system; set with `plan` where /capabilities.reboot_forecast is true'),
    outcome: restartForecastSchema
      .nullable()
      .optional()
      .describe('The same, measured after the change (jobs that ran the package manager, where reboot_forecast is true)'),
    forecast_matched: z
      .boolean()
      .nullable()
      .optional()
      .describe(
        'Whether the outcome is what the forecast said: equal reboot_required, and every outcome service and process (by pid) was forecast; null without a forecast',
      ),
    waiting: z
      .object({
        lock: z.string(),
        pid: z.number().int().nullable(),
        command: z.string().nullable(),
        since: z.string(),
      })
      .nullable()
      .optional()
      .describe("Set while the running job waits for another process's package-manager lock"),
    held_back: z
      .array(heldBackPackageSchema)
      .optional()
      .describe(
        'Targeted packages the job kept back and why: updates the package manager would not apply (held, pinned, phased, ignored, dependency), or every planned package when a beforeApply veto stopped the job (policy)',
      ),
  })
  .meta({ id: 'Job' });

export const jobListSchema = z
  .object({ jobs: z.array(jobSchema), total: z.number().int().nonnegative() })
  .meta({ id: 'JobList' });

export const jobIdParams = z.object({ id: z.uuid() }).strict();

export const jobListQuery = z
  .object({
    status: z.enum(JOB_STATUSES).optional(),
    type: z.enum(JOB_TYPES).optional(),
  })
  .strict();
