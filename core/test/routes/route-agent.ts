import { startTestAgent, type TestAgent, type TestAgentOptions } from '../../../test/support/agent.js';
import {
  createFakePackageManager,
  type FakeDatabase,
  type FakePackageManager,
  type FakePackageManagerBackend,
} from '../../../test/support/fake-package-manager/index.js';
import type { MtlsResponse } from '../../../test/support/tls-client.js';
import type { Job } from '../../src/contracts/job.js';
import { ProcessRunner } from '../../src/runner/process-runner.js';

export interface RouteAgent {
  t: TestAgent;
  pm: FakePackageManager;
  backend: FakePackageManagerBackend;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<MtlsResponse>;
  /** Polls GET /jobs/{id} over mTLS until the job is finished. */
  waitForJob(id: string): Promise<Job>;
  stop(): Promise<void>;
}

/** The real agent over mTLS with the fake package manager as its backend. */
export async function startRouteAgent(
  options: { db?: Partial<Omit<FakeDatabase, 'behaviour'>> & { behaviour?: FakeDatabase['behaviour'] } } & TestAgentOptions = {},
): Promise<RouteAgent> {
  const pm = await createFakePackageManager(options.db);
  const t = await startTestAgent(options);
  const backend = pm.backend(new ProcessRunner(), 200);
  t.agent.services.backend = backend;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    t.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
  return {
    t,
    pm,
    backend,
    call,
    async waitForJob(id) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await call('GET', `/jobs/${id}`);
        const job = res.json.data as Job;
        if (['completed', 'failed', 'timed_out'].includes(job.status)) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} did not finish: ${job.status}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      await t.stop();
      await pm.cleanup();
    },
  };
}
