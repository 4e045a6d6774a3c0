/**
 * apt backend benchmark: the agent over mTLS against apt's and dpkg's own CLIs, side by side in
 * one run on the same sandbox root. Prints ratios (agent ÷ CLI; lower is better) and the targets.
 *
 *   node --conditions=lpa-source --import tsx bench/apt.ts      (or: npm run bench -- apt)
 */
import { execFile } from 'node:child_process';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { startAptAgent } from '../test/e2e-apt/support.js';
import { type AptSandbox, DEP, HELLO, SEC } from '../test/support/sandbox/apt.js';
import { keepAliveClient } from './support/keep-alive-client.js';
import { seedAptRootFromHost } from './support/seed-apt-root.js';
import { median } from './support/statistics.js';

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function sample(count: number, action: () => Promise<unknown>, between?: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    if (between) await between();
    times.push(await timed(action));
  }
  return median(times);
}

function run(file: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', ...env }, maxBuffer: 1 << 26 },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

/** Every ratio on one root; `seed` prepares the root before the agent starts. */
async function benchRoot(title: string, seed?: (sandbox: AptSandbox) => Promise<void>): Promise<void> {
  const agent = await startAptAgent({
    sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] },
    ...(seed ? { prepare: seed } : {}),
  });
  const client = keepAliveClient(agent.process.port, {
    ca: agent.pki.ca.certPem,
    cert: agent.pki.client.certPem,
    key: agent.pki.client.keyPem,
  });
  const { root } = agent.sandbox;
  const aptEnv = agent.sandbox.env;
  try {
    const ok = await client.call('GET', '/packages');
    if (ok.status !== 200) throw new Error(`GET /packages answered ${ok.status}: ${JSON.stringify(ok.json.error)}`);

    // 1. GET /packages over a warm mTLS connection ÷ dpkg-query -W on the same root.
    const dpkgQuery = await sample(30, () => run('/usr/bin/dpkg-query', [`--admindir=${root}/var/lib/dpkg`, '-W'], {}));
    const packages = await sample(200, () => client.call('GET', '/packages', undefined, false));

    // 2. GET /patches warm and cold ÷ apt list --upgradable.
    const aptList = await sample(10, () => run('/usr/bin/apt', ['list', '--upgradable'], aptEnv));
    await client.call('GET', '/patches');
    const patchesWarm = await sample(200, () => client.call('GET', '/patches', undefined, false));
    const preferences = join(root, 'etc/apt/preferences.d');
    let tick = Date.now() / 1000;
    // A changed preferences.d invalidates the agent's upgrade list (not apt's own pkgcache.bin),
    // so each call recomputes it the way a cold agent would.
    const patchesCold = await sample(
      10,
      () => client.call('GET', '/patches', undefined, false),
      async () => {
        tick += 1;
        await utimes(preferences, tick, tick);
      },
    );

    // 3. An install job end to end (submit → completed) ÷ the same apt-get install run directly.
    const aptArgs = ['-y', '-q', '-o', 'Dpkg::Use-Pty=0'];
    const direct = await sample(
      5,
      () => run('/usr/bin/apt-get', [...aptArgs, 'install', '--', DEP], aptEnv),
      () => run('/usr/bin/apt-get', [...aptArgs, 'remove', '--', DEP], aptEnv).catch(() => {}),
    );
    await run('/usr/bin/apt-get', [...aptArgs, 'remove', '--', DEP], aptEnv);
    const viaAgent = await sample(
      5,
      async () => {
        const submitted = await client.call('POST', '/packages', { packages: [{ name: DEP }] });
        if (submitted.status !== 202) throw new Error(`install answered ${submitted.status}`);
        for (;;) {
          const job = await client.call('GET', `/jobs/${submitted.json.data.id}`);
          if (['completed', 'failed', 'timed_out'].includes(job.json.data.status)) {
            if (job.json.data.status !== 'completed') throw new Error(`install job ${job.json.data.status}`);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      },
      () => run('/usr/bin/apt-get', [...aptArgs, 'remove', '--', DEP], aptEnv).catch(() => {}),
    );

    const rows = [
      ['GET /packages (mTLS, warm) ÷ dpkg-query -W', packages, dpkgQuery, 0.2],
      ['GET /patches warm ÷ apt list --upgradable', patchesWarm, aptList, 0.02],
      ['GET /patches cold ÷ apt list --upgradable', patchesCold, aptList, 1.0],
      ['install job end-to-end ÷ apt-get install', viaAgent, direct, 1.15],
    ] as const;
    const installed = (await client.call('GET', '/packages')).json.data.total;
    const upgradable = (await client.call('GET', '/patches')).json.data.total;
    console.log(`\napt backend benchmark, ${title} (${installed} installed, ${upgradable} upgradable; medians)`);
    for (const [label, ours, theirs, target] of rows) {
      const ratio = ours / theirs;
      console.log(
        `${label.padEnd(46)} ${ours.toFixed(2).padStart(8)} ms / ${theirs.toFixed(2).padStart(8)} ms = ${ratio.toFixed(3)}  (target ≤ ${target}${ratio <= target ? ', met' : ', MISSED'})`,
      );
    }
  } finally {
    client.close();
    await agent.stop();
  }
}

// The fixture root shows the agent's own overhead; the host-seeded root shows it at a realistic
// package count, where apt's own work dominates.
await benchRoot('sandbox root with the fixtures only');
await benchRoot('sandbox root seeded from this host', seedAptRootFromHost);
