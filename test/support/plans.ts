import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { E2eAgent, JobRecord } from './e2e-agent.js';
import { makeSandboxDir } from './sandbox/common.js';
import { waitFor } from './wait.js';

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

/** Holds a mutating job in beforeApply (after its plan was made again under the lock) while a test acts. */
export interface ApplyPause {
  /** The plugin file to list in the agent's `plugins`. */
  plugin: string;
  /** Makes the next mutating job wait in beforeApply until the returned release(); resolves once it waits. */
  hold(): Promise<{ release(): Promise<void> }>;
}

/**
 * Writes a plugin whose beforeApply tap waits, when armed, until the test lets it go: the job has
 * then made its plan again under the package-manager lock and matched If-Match, and its package
 * manager has not started. The tap lets every job pass (it never vetoes).
 */
export async function applyPause(): Promise<ApplyPause> {
  const dir = makeSandboxDir('apply-pause');
  const plugin = join(dir, 'pause-before-apply.mjs');
  await writeFile(
    plugin,
    `import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
const dir = ${JSON.stringify(dir)};
export default {
  name: 'lpa-test-pause-before-apply',
  apiVersion: '^1.0.0',
  apply(host) {
    host.hooks.beforeApply.tap('lpa-test-pause-before-apply', async () => {
      if (!existsSync(dir + '/armed')) return undefined;
      rmSync(dir + '/armed');
      writeFileSync(dir + '/waiting', '');
      while (!existsSync(dir + '/go')) await sleep(50);
      rmSync(dir + '/go');
      return undefined;
    });
  },
};
`,
  );
  return {
    plugin,
    async hold() {
      await writeFile(join(dir, 'armed'), '');
      await waitFor(() => existsSync(join(dir, 'waiting')), { what: 'a job waiting in beforeApply', timeoutMs: 120_000 });
      return {
        async release() {
          await writeFile(join(dir, 'go'), '');
          await waitFor(() => !existsSync(join(dir, 'go')), { what: 'the job to go on', timeoutMs: 30_000 });
          await rm(join(dir, 'waiting'), { force: true });
        },
      };
    },
  };
}
