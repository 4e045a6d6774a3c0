/**
 * Which test files exercise each route. The route inventory test fails when a registered route is
 * missing here, when a listed file does not exist, or when it never mentions the route's path.
 * Adding a route = adding its line here, pointing at the tests that call it.
 * Paths are relative to the repository root.
 */
export const ROUTE_TESTS: Readonly<Record<string, readonly string[]>> = {
  'GET /health': ['core/test/http/health.test.ts', 'core/test/tls/client-cert.test.ts'],
  'GET /system/info': ['core/test/http/system-info.test.ts'],
  'GET /openapi.json': ['core/test/http/openapi.test.ts'],
  'GET /capabilities': ['core/test/routes/plans.test.ts'],
  'GET /packages': ['core/test/routes/packages.test.ts', 'core/test/routes/errors.test.ts'],
  'GET /packages/{name}': ['core/test/routes/packages.test.ts'],
  'POST /packages': ['core/test/routes/packages.test.ts', 'core/test/routes/errors.test.ts'],
  'PUT /packages/{name}': ['core/test/routes/packages.test.ts', 'core/test/routes/plans.test.ts'],
  'DELETE /packages/{name}': ['core/test/routes/packages.test.ts', 'core/test/routes/plans.test.ts'],
  'GET /patches': ['core/test/routes/patches.test.ts'],
  'POST /patches/apply': ['core/test/routes/patches.test.ts'],
  'GET /jobs': ['core/test/routes/jobs.test.ts'],
  'GET /jobs/{id}': ['core/test/routes/jobs.test.ts'],
  'POST /jobs/{id}/rollback': ['core/test/routes/jobs.test.ts', 'core/test/routes/exclusive.test.ts'],
  'GET /ws/jobs': ['core/test/websocket/job-stream.test.ts', 'core/test/websocket/epoch-restart.test.ts'],
  'GET /deployments': ['core/test/routes/deployments.test.ts', 'test/e2e-ostree/apply-rollback-rebase.test.ts'],
  'POST /deployments': ['core/test/routes/deployments.test.ts', 'test/e2e-ostree/apply-rollback-rebase.test.ts'],
  'POST /deployments/rollback': ['core/test/routes/deployments.test.ts', 'test/e2e-ostree/apply-rollback-rebase.test.ts'],
  'DELETE /deployments/{index}': ['core/test/routes/deployments.test.ts', 'test/e2e-ostree/apply-rollback-rebase.test.ts'],
};
