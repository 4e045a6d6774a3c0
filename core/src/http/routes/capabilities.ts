import { z } from 'zod';
import { capabilitiesOf, type HeldBackReason } from '../../contracts/capabilities.js';
import type { AgentServices } from '../../services.js';
import { CORE_VERSION, PLUGIN_API_VERSION } from '../../version.js';
import { MAX_BODY_BYTES } from '../body.js';
import { defineRoute } from '../route.js';
import { HELD_BACK_REASONS } from '../schemas/job.js';
import { MAX_PACKAGES_PER_REQUEST } from '../schemas/package.js';
import { backendOf } from './services-required.js';

/** The version of the HTTP contract this agent speaks (SPEC §12 is contract v1.1). */
export const HTTP_API_VERSION = '1.1';

const flag = z.boolean();
const dryRunnable = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, dry_run: flag });

export const capabilitiesSchema = z.object({
  api_version: z.string().describe('The HTTP contract version'),
  plugin_api_version: z.string(),
  agent_version: z.string(),
  backend: z.object({
    name: z.string(),
    version: z.string().nullable().describe("The package manager's own version"),
    root: z.string().nullable(),
  }),
  operations: z.object({
    install: dryRunnable({ version_pin: flag }),
    update: dryRunnable({ downgrade: flag }),
    remove: dryRunnable({ cascade: flag }),
    patch_apply: dryRunnable({ selected: flag, security_only: flag, pinned_versions: flag }),
    rollback: z.object({ sources: z.array(z.enum(['repo', 'cache', 'store'])) }),
    deployments: flag,
    package_layering: flag.describe(
      'Whether packages can be installed, updated and removed one by one (false on an OSTree image)',
    ),
  }),
  advisories: z
    .object({
      security: flag,
      severity: flag,
      advisory_ids: flag,
      cves: flag,
      url: flag,
      issued: flag,
      classification: flag.describe('Whether updates are told apart as security / bugfix / enhancement beyond `unknown`'),
      feeds: z.array(z.string()).describe('The `advisories.*` config keys this backend reads (operator-synced files)'),
    })
    .describe('Which advisory fields of GET /patches this backend fills (with the feeds configured, where it reads any)'),
  held_back_reasons: z
    .array(z.enum(HELD_BACK_REASONS))
    .describe(
      'The reasons this backend tells when it lists an update as held back; `policy` (a beforeApply veto) is always possible',
    ),
  reboot_forecast: flag,
  audit_sinks: z.array(z.string()).describe('The audit sinks the config asks for (`auto` picks by platform)'),
  hook_taps: z.object({
    before_apply: z.array(z.string()),
    cache_refresh: z.array(z.string()),
    on_job_update: z.array(z.string()),
  }),
  limits: z.object({
    max_concurrent_jobs: z.number().int(),
    max_queued_jobs: z.number().int(),
    job_timeout_seconds: z.number().int(),
    lock_wait_seconds: z.number().int(),
    max_packages_per_request: z.number().int(),
    max_body_bytes: z.number().int(),
    max_name_length: z.number().int(),
  }),
});

const packageManagerVersions = new WeakMap<object, Promise<string | null>>();

export function capabilitiesRoutes(services: AgentServices) {
  return [
    defineRoute({
      method: 'GET',
      path: '/capabilities',
      operationId: 'getCapabilities',
      summary: 'What this agent and its backend can do (a request for a feature declared false is 409 NOT_SUPPORTED)',
      tags: ['system'],
      response: capabilitiesSchema,
      async handler() {
        const backend = backendOf(services);
        const declared = capabilitiesOf(backend);
        let version = packageManagerVersions.get(backend);
        if (version === undefined) {
          version = (backend.packageManagerVersion?.() ?? Promise.resolve(null)).catch(() => null);
          packageManagerVersions.set(backend, version);
        }
        const info = backend.info();
        const config = services.getConfig();
        const tapNames = (hook: { taps: { name: string }[] }) => hook.taps.map((tap) => tap.name);
        return {
          api_version: HTTP_API_VERSION,
          plugin_api_version: PLUGIN_API_VERSION,
          agent_version: CORE_VERSION,
          backend: { name: info.packageManager, version: await version, root: info.root },
          operations: {
            ...declared.operations,
            deployments: declared.operations.deployments || backend.deployments !== undefined,
            package_layering: backend.deployments?.packageLayering ?? true,
            patch_apply: {
              ...declared.operations.patch_apply,
              pinned_versions: declared.operations.patch_apply.pinned_versions && backend.findUnavailableVersions !== undefined,
            },
          },
          advisories: {
            security: declared.advisories.security,
            severity: declared.advisories.severity,
            advisory_ids: declared.advisories.advisory_ids,
            cves: declared.advisories.cves ?? false,
            url: declared.advisories.url ?? false,
            issued: declared.advisories.issued ?? false,
            classification: declared.advisories.security || declared.advisories.advisory_ids,
            feeds: declared.advisories.feeds ?? [],
          },
          // A beforeApply veto keeps every planned package back as `policy`, whatever the backend.
          held_back_reasons: [...new Set<HeldBackReason>([...declared.held_back_reasons, 'policy'])],
          reboot_forecast: declared.reboot_forecast,
          audit_sinks: [...config.audit.sinks],
          hook_taps: {
            before_apply: tapNames(services.hooks.beforeApply),
            cache_refresh: tapNames(services.hooks.cacheRefresh),
            on_job_update: tapNames(services.hooks.onJobUpdate),
          },
          limits: {
            max_concurrent_jobs: config.jobs.max_concurrent,
            max_queued_jobs: config.jobs.max_queued,
            job_timeout_seconds: config.jobs.timeout_seconds,
            lock_wait_seconds: config.jobs.lock_wait_seconds,
            max_packages_per_request: MAX_PACKAGES_PER_REQUEST,
            max_body_bytes: MAX_BODY_BYTES,
            max_name_length: 255,
          },
        };
      },
    }),
  ];
}
