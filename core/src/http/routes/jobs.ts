import type { Job } from '../../contracts/job.js';
import { LpaError } from '../../errors.js';
import type { AgentServices } from '../../services.js';
import { defineRoute } from '../route.js';
import { jobIdParams, jobListQuery, jobListSchema, jobSchema } from '../schemas/job.js';
import { ifMatchOf } from './if-match.js';
import { jobsOf } from './services-required.js';

export function jobRoutes(services: AgentServices) {
  return [
    defineRoute({
      method: 'GET',
      path: '/jobs',
      operationId: 'listJobs',
      summary: 'Jobs, newest first',
      description:
        "Each finished job's `rollback` verdict is recomputed as `GET /jobs/{id}` does (the store and the repositories change).",
      tags: ['jobs'],
      query: jobListQuery,
      response: jobListSchema,
      async handler({ query }) {
        const jobs = await jobsOf(services).listWithVerdicts({
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.type === undefined ? {} : { type: query.type }),
        });
        return { jobs, total: jobs.length };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/jobs/{id}',
      operationId: 'getJob',
      summary: 'One job',
      description: 'A job with a plan_hash (a dry run) is sent with `ETag: "<plan_hash>"`.',
      tags: ['jobs'],
      params: jobIdParams,
      response: jobSchema,
      async handler({ params, ctx }) {
        const job = await jobsOf(services).getWithVerdict(params.id);
        if (job === null) throw new LpaError('LPA_ERR_NOT_FOUND', `no job ${params.id}`);
        if (job.plan_hash !== null) ctx.set('ETag', `"${job.plan_hash}"`);
        return job;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/jobs/{id}/rollback',
      operationId: 'rollbackJob',
      summary: 'Roll a completed or failed job back; the agent is exclusive until it ends',
      tags: ['jobs'],
      params: jobIdParams,
      response: jobSchema,
      status: 202,
      location: (job: Job) => `/jobs/${job.id}`,
      handler({ params, client, requestId, ctx }) {
        // A rollback has no dry run, so no plan_hash can match: never run one unchecked.
        const ifMatch = ifMatchOf(ctx);
        if (ifMatch !== null) {
          throw new LpaError('LPA_ERR_PRECONDITION_FAILED', 'a rollback has no plan to match If-Match against', {
            details: { if_match: ifMatch },
          });
        }
        return jobsOf(services).rollback(params.id, client, requestId);
      },
    }),
  ];
}
