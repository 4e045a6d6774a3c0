import { z } from 'zod';

export const JOB_TYPES = ['package_install', 'package_update', 'package_remove', 'patch_apply', 'rollback'] as const;
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'timed_out'] as const;
const CHANGE_ACTIONS = ['installed', 'upgraded', 'downgraded', 'removed'] as const;

const changeSchema = z.object({
  name: z.string(),
  action: z.enum(CHANGE_ACTIONS),
  from_version: z.string().nullable(),
  to_version: z.string().nullable(),
});

/** A job record as the API shows it (SPEC §6; core/src/contracts/job.ts). */
export const jobSchema = z.object({
  id: z.uuid(),
  type: z.enum(JOB_TYPES),
  status: z.enum(JOB_STATUSES),
  progress: z.number().int().min(0).max(100),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  request: z.record(z.string(), z.unknown()).describe('The validated request that created the job'),
  client: z.string().nullable().describe('Subject CN of the client certificate that asked for it'),
  changes: z.array(changeSchema).describe('Measured by diffing the installed set before and after'),
  plan: z.array(changeSchema).nullable().describe('What the package manager planned (dry runs, beforeApply taps)'),
  log: z.array(z.string()).describe("Tail of the package manager's output"),
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).nullable(),
  rollback_of: z.string().nullable(),
  rolled_back_by: z.string().nullable(),
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
});

export const jobListSchema = z.object({ jobs: z.array(jobSchema), total: z.number().int().nonnegative() });

export const jobIdParams = z.object({ id: z.uuid() }).strict();

export const jobListQuery = z
  .object({
    status: z.enum(JOB_STATUSES).optional(),
    type: z.enum(JOB_TYPES).optional(),
  })
  .strict();
