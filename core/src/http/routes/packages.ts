import type { PackageDetails } from '../../contracts/backend.js';
import type { Job } from '../../contracts/job.js';
import { LpaError } from '../../errors.js';
import { byName } from '../../name-order.js';
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
import { backendOf, fromBackend, jobsOf } from './services-required.js';

const jobLocation = (job: Job) => `/jobs/${job.id}`;

/** A `name` filter with * ? or [...] is a glob over the whole name; otherwise a substring. */
export function nameMatcher(pattern: string): (name: string) => boolean {
  if (!/[*?[]/.test(pattern)) return (name) => name.includes(pattern);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else source += char.replace(/[.+^${}()|\\/-]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

function checkName(services: AgentServices, name: string): void {
  const problem = backendOf(services).validateName(name);
  if (problem !== null) {
    throw new LpaError('LPA_ERR_VALIDATION', 'invalid package name', {
      details: { issues: [{ path: 'name', message: problem }] },
    });
  }
}

export function packageRoutes(services: AgentServices) {
  return [
    defineRoute({
      method: 'GET',
      path: '/packages',
      operationId: 'listPackages',
      summary: 'Installed packages, filtered and paged',
      tags: ['packages'],
      query: packageListQuery,
      response: packageListSchema,
      async handler({ query }) {
        const backend = backendOf(services);
        const [installed, upgrades] = await fromBackend(() => Promise.all([backend.listInstalled(), backend.listUpgrades()]));
        const available = new Map(upgrades.map((upgrade) => [upgrade.name, upgrade.available_version]));
        const matchesName = query.name === undefined ? () => true : nameMatcher(query.name);
        const packages: PackageDetails[] = installed
          .map((pkg) => ({ ...pkg, upgradable: available.has(pkg.name), available_version: available.get(pkg.name) ?? null }))
          .filter(
            (pkg) =>
              matchesName(pkg.name) &&
              (query.version === undefined || pkg.version === query.version) &&
              (query.status === undefined || pkg.status === query.status) &&
              (query.upgradable === undefined || pkg.upgradable === query.upgradable),
          )
          .sort(byName);
        const offset = query.offset ?? 0;
        const page = packages.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
        return { packages: page, total: packages.length };
      },
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
