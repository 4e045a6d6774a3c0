import type { AgentServices } from '../../services.js';
import type { AnyRoute, RouteFactory } from '../route.js';
import { JOB_STREAM_DESCRIPTION } from '../schemas/job-stream.js';
import { capabilitiesRoutes } from './capabilities.js';
import { deploymentRoutes } from './deployments.js';
import { healthRoutes } from './health.js';
import { jobRoutes } from './jobs.js';
import { openApiRoute } from './openapi.js';
import { packageRoutes } from './packages.js';
import { patchRoutes } from './patches.js';
import { systemInfoRoutes } from './system-info.js';

/** Every route group of the API. A new group is one file under routes/ and one line here. */
const ROUTE_FACTORIES: readonly RouteFactory[] = [
  healthRoutes,
  systemInfoRoutes,
  capabilitiesRoutes,
  packageRoutes,
  patchRoutes,
  jobRoutes,
  deploymentRoutes,
];

/** All routes the agent serves, GET /openapi.json included. */
export function allRoutes(services: AgentServices): AnyRoute[] {
  const routes: AnyRoute[] = ROUTE_FACTORIES.flatMap((factory) => factory(services));
  routes.push(
    openApiRoute(
      () => routes,
      () => ({ streams: [JOB_STREAM_DESCRIPTION], packageNamePattern: services.backend?.namePattern?.source ?? null }),
    ),
  );
  return routes;
}
