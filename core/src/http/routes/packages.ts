import type { Job } from '../../contracts/job.js';
import { LpaError } from '../../errors.js';
import type { AgentServices } from '../../services.js';
import { defineRoute } from '../route.js';
import { jobSchema } from '../schemas/job.js';
import {
  installBody,
  packageListQuery,
  packageListSchema,
  packageNameParams,
  packageSchema,
  removeQuery,
  updateBody,
} from '../schemas/package.js';
import { IF_MATCH_DESCRIPTION, ifMatchOf } from './if-match.js';
import { PackageListAnswers } from './package-list.js';
import { backendOf, fromBackend, jobsOf } from './services-required.js';

const jobLocation = (job: Job) => `/jobs/${job.id}`;

function checkName(services: AgentServices, name: string): void {
  const problem = backendOf(services).validateName(name);
  if (problem !== null) {
    throw new LpaError('LPA_ERR_VALIDATION', 'invalid package name', {
      details: { issues: [{ path: 'name', message: problem }] },
    });
  }
}

export function packageRoutes(services: AgentServices) {
  const packageList = new PackageListAnswers();
  return [
    defineRoute({
      method: 'GET',
      path: '/packages',
      operationId: 'listPackages',
      summary: 'Installed packages, filtered and paged',
      tags: ['packages'],
      query: packageListQuery,
      response: packageListSchema,
      handler: ({ query }) => packageList.answer(backendOf(services), query),
    }),
    defineRoute({
      method: 'GET',
      path: '/packages/{name}',
      operationId: 'getPackage',
      summary: 'One installed package',
      tags: ['packages'],
      params: packageNameParams,
      response: packageSchema,
      async handler({ params }) {
        checkName(services, params.name);
        const pkg = await fromBackend(() => backendOf(services).getPackage(params.name));
        if (pkg === null) throw new LpaError('LPA_ERR_NOT_FOUND', `package ${params.name} is not installed`);
        return pkg;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/packages',
      operationId: 'installPackages',
      summary: 'Install packages (optionally at a version); starts a job',
      description: IF_MATCH_DESCRIPTION,
      tags: ['packages'],
      body: installBody,
      response: jobSchema,
      status: 202,
      location: jobLocation,
      handler: ({ body, client, requestId, ctx }) =>
        jobsOf(services).submit(
          { type: 'package_install', packages: body.packages, ...(body.dry_run === true ? { dry_run: true as const } : {}) },
          client,
          { requestId, ifMatch: ifMatchOf(ctx) },
        ),
    }),
    defineRoute({
      method: 'PUT',
      path: '/packages/{name}',
      operationId: 'updatePackage',
      summary: 'Update one package (to the newest or the given version); starts a job',
      description: `404 at once when the package is not installed. ${IF_MATCH_DESCRIPTION}`,
      tags: ['packages'],
      params: packageNameParams,
      body: updateBody,
      response: jobSchema,
      status: 202,
      location: jobLocation,
      handler: ({ params, body, client, requestId, ctx }) =>
        jobsOf(services).submit(
          {
            type: 'package_update',
            name: params.name,
            ...(body?.version === undefined ? {} : { version: body.version }),
            ...(body?.dry_run === true ? { dry_run: true as const } : {}),
          },
          client,
          { requestId, ifMatch: ifMatchOf(ctx) },
        ),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/packages/{name}',
      operationId: 'removePackage',
      summary: 'Remove one package; starts a job',
      description: `404 at once when the package is not installed. ${IF_MATCH_DESCRIPTION}`,
      tags: ['packages'],
      params: packageNameParams,
      query: removeQuery,
      response: jobSchema,
      status: 202,
      location: jobLocation,
      handler: ({ params, query, client, requestId, ctx }) =>
        jobsOf(services).submit(
          { type: 'package_remove', name: params.name, ...(query.dry_run === true ? { dry_run: true as const } : {}) },
          client,
          { requestId, ifMatch: ifMatchOf(ctx) },
        ),
    }),
  ];
}
