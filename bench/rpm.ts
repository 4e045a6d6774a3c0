/**
 * rpm backend benchmark: the agent over mTLS against rpm's and dnf's own CLIs, side by side in one
 * run on the same dnf sandbox root. Prints ratios (agent ÷ CLI; lower is better) and the target.
 *
 *   node --conditions=lpa-source --import tsx bench/rpm.ts      (or: npm run bench -- rpm)
 */
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { HELLO, type RpmAgent, SEC, startRpmAgent } from '../test/e2e-dnf/support.js';
import { median } from './support/statistics.js';

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Medians of two actions sampled alternately (ours, theirs, ours, …), so that load from other
 * processes on a shared machine falls on both sides alike.
 */
async function sidebyside(
  count: number,
  ours: () => Promise<unknown>,
  theirs: () => Promise<unknown>,
): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < count; i++) {
    a.push(await timed(ours));
    b.push(await timed(theirs));
  }
  return [median(a), median(b)];
}

/** Runs a CLI; exit statuses in `ok` count as success (check-update exits 100 when updates exist). */
function run(file: string, args: string[], env: Record<string, string>, ok: number[] = [0]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', ...env }, maxBuffer: 1 << 26 },
      (error) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (ok.includes(code)) resolve();
        else reject(error);
      },
    );
  });
}

function keepAliveClient(agent: RpmAgent) {
  const https = new Agent({
    keepAlive: true,
    maxSockets: 1,
    ca: agent.pki.ca.certPem,
    cert: agent.pki.client.certPem,
    key: agent.pki.client.keyPem,
    servername: 'localhost',
  });
  // biome-ignore lint/suspicious/noExplicitAny: the envelope is read freely
  const call = (method: string, path: string): Promise<{ status: number; json: any }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: agent.process.port, method, path, agent: https }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  return { call, close: () => https.destroy() };
}

async function main(): Promise<void> {
  const agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`, `${SEC}-1.0-1`, 'lpa-fixture-epoch'] });
  const client = keepAliveClient(agent);
  const { root, dir } = agent.sandbox;
  // The same HOME the harness gives rpm: .rpmmacros puts the database at ROOT/var/lib/rpm.
  const rpmEnv = { HOME: join(dir, 'home') };
  try {
    const ok = await client.call('GET', '/packages');
    if (ok.status !== 200) throw new Error(`GET /packages answered ${ok.status}: ${JSON.stringify(ok.json.error)}`);
    if (ok.json.data.total !== 3) throw new Error(`GET /packages listed ${ok.json.data.total} packages, expected 3`);

    // 1. GET /packages over a warm mTLS connection ÷ rpm -qa on the same root. The agent is a
    // long-running service: it is measured warm (as the apt and pacman benches do), after a run-in.
    for (let i = 0; i < 100; i++) await client.call('GET', '/packages');
    const [packages, rpmQa] = await sidebyside(
      200,
      () => client.call('GET', '/packages'),
      () => run('/usr/bin/rpm', ['-qa', '--root', root, '--dbpath', '/var/lib/rpm'], rpmEnv),
    );

    // 2. GET /patches ÷ dnf check-update from the cache (informational: the agent adds updateinfo).
    const dnfArgs = [
      `--installroot=${root}`,
      `--config=${join(root, 'etc/dnf/dnf.conf')}`,
      `--setopt=reposdir=${join(root, 'etc/yum.repos.d')}`,
      '--releasever=40',
    ];
    await run('/usr/bin/dnf', [...dnfArgs, 'makecache'], rpmEnv);
    const [patches, checkUpdate] = await sidebyside(
      5,
      () => client.call('GET', '/patches'),
      () => run('/usr/bin/dnf', [...dnfArgs, '-C', '-q', 'check-update'], rpmEnv, [0, 100]),
    );

    const rows = [
      ['GET /packages (mTLS, warm) ÷ rpm -qa', packages, rpmQa, 0.2],
      ['GET /patches ÷ dnf -C check-update', patches, checkUpdate, null],
    ] as const;
    console.log('rpm backend benchmark (medians, same sandbox root, one run)');
    for (const [label, ours, theirs, target] of rows) {
      const ratio = ours / theirs;
      const verdict = target === null ? '(informational)' : `(target ≤ ${target}${ratio <= target ? ', met' : ', MISSED'})`;
      console.log(
        `${label.padEnd(40)} ${ours.toFixed(2).padStart(8)} ms / ${theirs.toFixed(2).padStart(8)} ms = ${ratio.toFixed(3)}  ${verdict}`,
      );
    }
  } finally {
    client.close();
    await agent.stop();
  }
}

await main();
