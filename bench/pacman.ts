/**
 * pacman backend benchmark: the agent over mTLS against pacman's own CLI, side by side in one run
 * on the same sandbox root. Prints ratios (agent ÷ pacman; lower is better) and the targets.
 *
 *   node --conditions=lpa-source --import tsx bench/pacman.ts      (or: npm run bench -- pacman)
 */
import { utimes } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { type PacmanAgent, startPacmanAgent } from '../test/e2e-pacman/support.js';
import { DEP, HELLO } from '../test/support/sandbox/pacman.js';
import { median } from './support/statistics.js';

async function sample(count: number, action: () => Promise<unknown>, between?: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    if (between) await between();
    const started = process.hrtime.bigint();
    await action();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

/** One keep-alive mTLS connection to the agent, so each call measures the request, not the handshake. */
function warmClient(agent: PacmanAgent) {
  const pool = new Agent({
    keepAlive: true,
    maxSockets: 1,
    ca: agent.pki.ca.certPem,
    cert: agent.pki.client.certPem,
    key: agent.pki.client.keyPem,
    servername: 'localhost',
  });
  // biome-ignore lint/suspicious/noExplicitAny: the envelope is read freely
  const call = (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          host: '127.0.0.1',
          port: agent.process.port,
          method,
          path,
          agent: pool,
          headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { call, close: () => pool.destroy() };
}

async function main(): Promise<void> {
  const agent = await startPacmanAgent({ sandbox: { stage: 1, install: [HELLO] } });
  const client = warmClient(agent);
  const { sandbox } = agent;
  try {
    await sandbox.publish(2);
    await sandbox.pacman(['-Syy']);
    const patches = await client.call('GET', '/patches');
    if (patches.status !== 200 || patches.json.data.total !== 1) throw new Error(`GET /patches: ${JSON.stringify(patches.json)}`);

    // 1. GET /packages over a warm mTLS connection ÷ pacman -Q on the same root.
    const pacmanQ = await sample(30, () => sandbox.pacman(['-Q']));
    const packages = await sample(200, () => client.call('GET', '/packages'));

    // 2. GET /patches warm (nothing changed: the -Qu answer is reused) and cold ÷ pacman -Qu.
    const pacmanQu = await sample(30, () => sandbox.pacmanRun(['-Qu']));
    const patchesWarm = await sample(200, () => client.call('GET', '/patches'));
    const syncDb = join(sandbox.dbPath, 'sync/fixtures.db');
    let tick = Math.floor(Date.now() / 1000);
    const patchesCold = await sample(
      20,
      () => client.call('GET', '/patches'),
      async () => {
        tick += 1;
        await utimes(syncDb, tick, tick);
      },
    );

    // 3. An install job end to end (submit → completed) ÷ the same pacman -S run directly.
    const remove = () => sandbox.pacmanRun(['-R', '--', DEP]);
    const direct = await sample(5, () => sandbox.pacman(['-S', '--needed', '--noprogressbar', '--', DEP]), remove);
    await remove();
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
      remove,
    );

    const rows = [
      ['GET /packages (mTLS, warm) ÷ pacman -Q', packages, pacmanQ, 0.5],
      ['GET /patches warm ÷ pacman -Qu', patchesWarm, pacmanQu, 0.5],
      ['GET /patches cold ÷ pacman -Qu', patchesCold, pacmanQu, 1.5],
      // The job adds a fixed cost (plan run, audit intent and completion records, job record
      // writes, the installed-set diff) that dwarfs pacman -S of a one-file fixture package.
      ['install job end-to-end ÷ pacman -S', viaAgent, direct, 10],
    ] as const;
    console.log('pacman backend benchmark (medians, same sandbox root, one run)');
    for (const [label, ours, theirs, target] of rows) {
      const ratio = ours / theirs;
      console.log(
        `${label.padEnd(42)} ${ours.toFixed(2).padStart(8)} ms / ${theirs.toFixed(2).padStart(8)} ms = ${ratio.toFixed(3)}  (target ≤ ${target}${ratio <= target ? ', met' : ', MISSED'})`,
      );
    }
  } finally {
    client.close();
    await agent.stop();
  }
}

await main();
