/**
 * Rollback store benchmark: the added time per upgrade job for keeping the replaced version's
 * package file, on the apt, dnf and pacman fixture roots. Side by side in one run, each sample on a
 * fresh sandbox (the store keeps a version once, so only a first upgrade pays): the same upgrade
 * job over mTLS with the store (default bounds) and without it (`rollback.store_max_mb: 0`).
 * Prints per backend the ratio (target ≤ 1.10), the source the file came from and its size.
 *
 *   npm run bench -- rollback-store        (LPA_BENCH_BACKENDS=apt,dnf to choose; default all three)
 */
import { startAptAgent } from '../test/e2e-apt/support.js';
import { startRpmAgent } from '../test/e2e-dnf/support.js';
import { startPacmanAgent } from '../test/e2e-pacman/support.js';
import { type BackendAgent, type BackendSandbox, keptPackages } from '../test/support/e2e-agent.js';
import { HELLO as APT_HELLO } from '../test/support/sandbox/apt.js';
import { HELLO as PACMAN_HELLO } from '../test/support/sandbox/pacman.js';
import { median } from './support/statistics.js';

const SAMPLES = Number(process.env.LPA_BENCH_SAMPLES ?? 3);

interface Case {
  /** An agent on a fresh sandbox where one upgrade is waiting, with this config. */
  start(config: Record<string, unknown> | undefined): Promise<BackendAgent<BackendSandbox>>;
  /** The upgrade job: method and path. */
  upgrade: [string, string];
}

const CASES: Record<string, Case> = {
  apt: {
    start: (config) => startAptAgent({ sandbox: { install: [`${APT_HELLO}=1.0-1`] }, ...(config ? { config } : {}) }),
    upgrade: ['PUT', `/packages/${APT_HELLO}`],
  },
  dnf: {
    start: (config) => startRpmAgent({ install: [`${APT_HELLO}-1.0-1`], ...(config ? { config } : {}) }),
    upgrade: ['PUT', `/packages/${APT_HELLO}`],
  },
  pacman: {
    // pacman only upgrades the whole system: stage 2 of the fixture repository is the upgrade.
    async start(config) {
      const agent = await startPacmanAgent({ sandbox: { stage: 1 }, ...(config ? { config } : {}) });
      const install = await agent.runJob('POST', '/packages', { packages: [{ name: PACMAN_HELLO }] });
      if (install.status !== 'completed') throw new Error(`install failed: ${JSON.stringify(install.error)}`);
      await agent.sandbox.publish(2);
      await agent.sandbox.pacman(['-Syy']);
      return agent;
    },
    upgrade: ['POST', '/patches/apply'],
  },
};

/** Time of one upgrade job over mTLS, from the request until the client sees it completed. */
async function upgradeJob(
  backend: Case,
  storeMaxMb: number | null,
): Promise<{ ms: number; kept: { via: string; size: number }[] }> {
  const agent = await backend.start(storeMaxMb === null ? undefined : { rollback: { store_max_mb: storeMaxMb, store_days: 14 } });
  try {
    const started = process.hrtime.bigint();
    const job = await agent.runJob(...backend.upgrade);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (job.status !== 'completed') throw new Error(`upgrade failed: ${JSON.stringify(job.error)}`);
    const kept = storeMaxMb === 0 ? [] : await keptPackages(agent.dir);
    return { ms, kept: kept.map((p) => ({ via: p.via, size: p.size })) };
  } finally {
    await agent.stop();
  }
}

const chosen = (process.env.LPA_BENCH_BACKENDS ?? '').split(',').filter((name) => name in CASES);
for (const name of chosen.length > 0 ? chosen : Object.keys(CASES)) {
  const backend = CASES[name] as Case;
  const withStore: number[] = [];
  const without: number[] = [];
  let kept: { via: string; size: number }[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    without.push((await upgradeJob(backend, 0)).ms);
    const sample = await upgradeJob(backend, null);
    withStore.push(sample.ms);
    kept = sample.kept;
  }
  const ratio = median(withStore) / median(without);
  console.log(`${name}: upgrade job with the rollback store ÷ without: ${ratio.toFixed(3)} (target ≤ 1.10)`);
  console.log(
    `  medians over ${SAMPLES} fresh sandboxes each: ${median(withStore).toFixed(0)} ms with, ${median(without).toFixed(0)} ms without; kept ${kept.map((k) => `${k.size} bytes via ${k.via}`).join(', ') || 'nothing'}`,
  );
}
