import { advisoriesOf, classify } from '../../advisories/advisory.js';
import type { Job } from '../../contracts/job.js';
import { byName } from '../../name-order.js';
import type { AgentServices } from '../../services.js';
import { defineRoute } from '../route.js';
import { jobSchema } from '../schemas/job.js';
import { applyBody, patchListQuery, patchListSchema } from '../schemas/package.js';
import { IF_MATCH_DESCRIPTION, ifMatchOf } from './if-match.js';
import { backendOf, fromBackend, jobsOf } from './services-required.js';

export function patchRoutes(services: AgentServices) {
  return [
    defineRoute({
      method: 'GET',
      path: '/patches',
      operationId: 'listPatches',
      summary:
        'Every update the package manager knows of, with security classification where the distribution has it; updates it would not apply say why in `held_back`',
      tags: ['patches'],
      query: patchListQuery,
      response: patchListSchema,
      async handler({ query }) {
        const backend = backendOf(services);
        const upgrades = await fromBackend(() => backend.listUpgrades());
        const source = backend.info().packageManager;
        const patches = upgrades
          .filter((upgrade) => query.security !== true || upgrade.security === true)
          .map((upgrade) => {
            const advisories = advisoriesOf(upgrade, source);
            const { advisory_records: _records, ...fields } = upgrade;
            return {
              ...fields,
              held_back: upgrade.held_back ?? null,
              classification: classify(advisories, upgrade.security),
              advisories,
            };
          })
          .filter((patch) => query.severity === undefined || patch.advisories.some((a) => a.severity === query.severity))
          .filter(
            (patch) =>
              query.cve === undefined || patch.advisories.some((a) => a.id === query.cve || a.cves.includes(query.cve as string)),
          )
          .sort(byName);
        return { patches, total: patches.length, last_cache_update: services.cache?.state().last_cache_update ?? null };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/patches/apply',
      operationId: 'applyPatches',
      summary: 'Apply updates (all, named, security only, or pinned to exact versions; dry_run plans only); starts a job',
      description:
        'The package index is refreshed first; a download failure gets one more refresh and one retry. ' +
        'With name/version pairs, a pair no repository or cache offers fails the job VERSION_UNAVAILABLE, naming every ' +
        `missing pair, before anything changes. ${IF_MATCH_DESCRIPTION}`,
      tags: ['patches'],
      body: applyBody,
      response: jobSchema,
      status: 202,
      location: (job: Job) => `/jobs/${job.id}`,
      handler: ({ body, client, requestId, ctx }) =>
        jobsOf(services).submit(
          {
            type: 'patch_apply',
            packages: body?.packages ?? null,
            security_only: body?.security_only ?? false,
            dry_run: body?.dry_run ?? false,
          },
          client,
          { requestId, ifMatch: ifMatchOf(ctx) },
        ),
    }),
  ];
}
