import assert from 'node:assert/strict';
import type { E2eAgent, JobRecord } from './e2e-agent.js';

/** The header that makes a request apply only the plan of this dry-run job. */
export const ifMatch = (job: JobRecord) => ({ 'If-Match': `"${job.plan_hash}"` });

/** Changes or planned changes as sorted `action name version` lines, to compare a plan with an outcome. */
export const summary = (changes: { name: string; action: string; to_version: string }[]) =>
  changes.map((c) => `${c.action} ${c.name} ${c.to_version}`).sort();

/**
 * Runs each request (already marked `dry_run`) as a job and checks that it completed with a plan
 * and no changes, and that its job answers with the plan hash as ETag.
 */
export async function assertDryRuns(
  agent: Pick<E2eAgent, 'request' | 'runJob'>,
  runs: readonly (readonly [method: string, path: string, body: unknown])[],
): Promise<void> {
  for (const [method, path, body] of runs) {
    const job = await agent.runJob(method, path, body);
    assert.equal(job.status, 'completed', `${method} ${path}: ${JSON.stringify(job.error)}`);
    assert.ok(job.plan.length > 0);
    assert.deepEqual(job.changes, []);
    assert.equal((await agent.request('GET', `/jobs/${job.id}`)).headers.etag, `"${job.plan_hash}"`);
  }
}
