/**
 * Rollback store benchmark: the added time per upgrade job for keeping the replaced version's
 * package file. Side by side in one run, each sample on a fresh apt sandbox (the store keeps a
 * version once, so only a first upgrade pays): the same upgrade job over mTLS with the store
 * (default bounds) and without it (`rollback.store_max_mb: 0`). Prints the ratio; target ≤ 1.10.
 *
 *   node --conditions=lpa-source --import tsx bench/rollback-store.ts      (or: npm run bench -- rollback-store)
 */
import { startAptAgent } from '../test/e2e-apt/support.js';
import { HELLO } from '../test/support/sandbox/apt.js';

const SAMPLES = Number(process.env.LPA_BENCH_SAMPLES ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Time of one upgrade job over mTLS, from the request until the client sees it completed. */
async function upgradeJobMs(storeMaxMb: number | null): Promise<number> {
  const agent = await startAptAgent({
    sandbox: { install: [`${HELLO}=1.0-1`] },
    ...(storeMaxMb === null ? {} : { config: { rollback: { store_max_mb: storeMaxMb, store_days: 14 } } }),
  });
  try {
    const started = process.hrtime.bigint();
    const job = await agent.runJob('PUT', `/packages/${HELLO}`);
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (job.status !== 'completed') throw new Error(`upgrade failed: ${JSON.stringify(job.error)}`);
    return elapsed;
  } finally {
    await agent.stop();
  }
}

const withStore: number[] = [];
const without: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  without.push(await upgradeJobMs(0));
  withStore.push(await upgradeJobMs(null));
}
const ratio = median(withStore) / median(without);
console.log(`upgrade job with the rollback store ÷ without: ${ratio.toFixed(3)} (target ≤ 1.10)`);
console.log(
  `  medians over ${SAMPLES} fresh sandboxes each: ${median(withStore).toFixed(0)} ms with, ${median(without).toFixed(0)} ms without`,
);
