import type { Job } from '../../contracts/job.js';
import { deploymentsOf } from '../../jobs/operations.js';
import type { AgentServices } from '../../services.js';
import { defineRoute } from '../route.js';
import {
  deploymentDeleteQuery,
  deploymentIndexParams,
  deploymentListSchema,
  deploymentRollbackBody,
  rebaseBody,
} from '../schemas/deployment.js';
import { jobSchema } from '../schemas/job.js';
import { backendOf, fromBackend, jobsOf } from './services-required.js';

const jobLocation = (job: Job) => `/jobs/${job.id}`;
const NOT_ATOMIC =
  'On a host that is not managed as deployments (apt, dnf, …) every /deployments request answers 409 NOT_SUPPORTED.';

/** SPEC §13: the deployments of an atomic host. Present on every agent; the backend decides. */
export function deploymentRoutes(services: AgentServices) {
  return [
    defineRoute({
      method: 'GET',
      path: '/deployments',
      operationId: 'listDeployments',
      summary: 'The deployments of an atomic (OSTree) host, the default for the next boot first',
      description: NOT_ATOMIC,
      tags: ['deployments'],
      response: deploymentListSchema,
      async handler() {
        const deployments = deploymentsOf(backendOf(services));
        const list = await fromBackend(() => deployments.list());
        return { deployments: list, total: list.length };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/deployments',
      operationId: 'rebaseDeployment',
      summary: 'Rebase to another ref (e.g. dev → prod): deploys its newest commit as the next default; starts a job',
      description: `A ref without a remote uses the remote of the default deployment's origin. ${NOT_ATOMIC}`,
      tags: ['deployments'],
      body: rebaseBody,
      response: jobSchema,
      status: 202,
      location: jobLocation,
      handler: ({ body, client, requestId }) =>
        jobsOf(services).submit({ type: 'deployment_rebase', ref: body.ref, dry_run: body.dry_run ?? false }, client, requestId),
    }),
    defineRoute({
      method: 'POST',
      path: '/deployments/rollback',
      operationId: 'rollbackDeployment',
      summary: 'Make the previous deployment the default for the next boot; starts a job, exclusive like every rollback',
      description: NOT_ATOMIC,
      tags: ['deployments'],
      body: deploymentRollbackBody,
      response: jobSchema,
      status: 202,
      location: jobLocation,
      async handler({ body, client, requestId }) {
        // Refused at once, not as a failed job, when there is nothing to go back to.
        await fromBackend(() => deploymentsOf(backendOf(services)).planRollback());
        return jobsOf(services).submit({ type: 'deployment_rollback', dry_run: body?.dry_run ?? false }, client, requestId);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/deployments/{index}',
      operationId: 'deleteDeployment',
      summary: 'Remove a pending deployment (one that is the next default but not booted); starts a job',
      description: `The booted deployment and the previous one are never removed: 409 CONFLICT. ${NOT_ATOMIC}`,
      tags: ['deployments'],
      params: deploymentIndexParams,
      query: deploymentDeleteQuery,
      response: jobSchema,
      status: 202,
      location: jobLocation,
      async handler({ params, query, client, requestId }) {
        // A deployment that may not be removed (booted, the rollback target, none at that index) is refused at once.
        await fromBackend(() => deploymentsOf(backendOf(services)).planUndeploy(params.index));
        return jobsOf(services).submit(
          { type: 'deployment_undeploy', index: params.index, dry_run: query.dry_run === true },
          client,
          requestId,
        );
      },
    }),
  ];
}
