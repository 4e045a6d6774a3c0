/**
 * Transport benchmark: the agent's GET /health against a bare Node https mTLS server returning the
 * same JSON, side by side in one run, same machine, same load generator.
 *   keep-alive:    autocannon, 64 connections, keep-alive, mutual TLS
 *   new handshake: fresh TLS 1.3 connection per request (full handshake + client certificate), 16 in flight
 * Prints requests/s for both and the ratios agent/bare (targets: >= 0.7 keep-alive, >= 0.8 new
 * handshake), the agent's idle RSS (target <= 60 MiB) beside the bare server's (what Node itself takes
 * with TLS loaded) and the agent's start-to-ready time (<= 600 ms). The keep-alive rounds also run a
 * third server, Koa + @koa/router with one route and the same answer, to show how much of the gap
 * is the framework's own.
 * Run: npm run bench -- transport   (LPA_BENCH_ROUNDS, default 5, alternating rounds of LPA_BENCH_SECONDS,
 * default 2, per side and kind: about 55 s in all)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createTestPki, freePort, REPO_ROOT, writeAgentConfig } from '../test/support/agent.js';
import { rssMiB, startServerProcess as startProcess, stopServerProcess as stopProcess } from './support/server-process.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SECONDS = Number(process.env.LPA_BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.LPA_BENCH_ROUNDS ?? 5);

async function keepAlive(port: number, tls: { ca: string; cert: string; key: string }): Promise<number> {
  const result = await autocannon({
    url: `https://127.0.0.1:${port}/health`,
    connections: 64,
    duration: SECONDS,
    servername: 'localhost',
    tlsOptions: { ...tls, minVersion: 'TLSv1.3' },
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`keep-alive run had ${result.non2xx} non-2xx and ${result.errors} errors`);
  return result.requests.total / SECONDS;
}

/** One request on a fresh TLS connection; resolves when the response has been read fully. */
function oneHandshakeRequest(port: number, tls: { ca: string; cert: string; key: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...tls });
    let received = '';
    socket.once('secureConnect', () => socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.once('error', reject);
    socket.once('close', () => (received.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error('no 200 answer'))));
  });
}

async function newHandshakes(port: number, tls: { ca: string; cert: string; key: string }, concurrency = 16): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let completed = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await oneHandshakeRequest(port, tls);
      completed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return completed / ((performance.now() - started) / 1000);
}

const cli = join(REPO_ROOT, 'core/dist/cli.js');
if (!existsSync(cli)) throw new Error('core/dist/cli.js is missing: run `npx tsc -b` first (npm run bench does)');
const dir = await mkdtemp(join(tmpdir(), 'lpa-bench-'));
try {
  const pki = await createTestPki(dir);
  const port = await freePort();
  // The agent as deployed (plugins, audit file sink, job manager, cache), with an idle backend so
  // that /health never runs the host's package manager.
  const { configPath } = await writeAgentConfig(dir, {
    port,
    allowed: ['127.0.0.1'],
    config: {
      audit: { sinks: ['file'] },
      plugins: [join(REPO_ROOT, 'bench/support/idle-backend-plugin.mjs')],
      backend: { name: 'bench-idle', root: null },
    },
  });
  const tls = { ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem };

  const agent = await startProcess([cli, 'serve', '--config', configPath], 'linux-patch-api listening', join(dir, 'agent.log'));
  const bare = await startProcess(
    [join(REPO_ROOT, 'bench/support/bare-https-server.mjs'), pki.files.ca, pki.files.cert, pki.files.key],
    'bare listening',
    join(dir, 'bare.log'),
  );
  const koa = await startProcess(
    [join(REPO_ROOT, 'bench/support/bare-koa-server.mjs'), pki.files.ca, pki.files.cert, pki.files.key],
    'koa listening',
    join(dir, 'koa.log'),
  );
  try {
    await oneHandshakeRequest(agent.port, tls);
    await oneHandshakeRequest(bare.port, tls);
    await oneHandshakeRequest(koa.port, tls);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idleRss = rssMiB(agent.child.pid ?? 0);
    const bareIdleRss = rssMiB(bare.child.pid ?? 0);

    // Short alternating rounds (agent, bare, Koa, agent, …) so that drift on a shared machine hits
    // every side alike; a ratio is the median of the per-round ratios.
    const keepAliveRounds: [number, number][] = [];
    const koaRounds: [number, number][] = [];
    const handshakeRounds: [number, number][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [agentRate, bareRate, koaRate] = [
        await keepAlive(agent.port, tls),
        await keepAlive(bare.port, tls),
        await keepAlive(koa.port, tls),
      ];
      keepAliveRounds.push([agentRate, bareRate]);
      koaRounds.push([koaRate, bareRate]);
      handshakeRounds.push([await newHandshakes(agent.port, tls), await newHandshakes(bare.port, tls)]);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    /** Rounds of [the measured server's rate, the bare server's rate]. */
    const summary = (rounds: [number, number][]) => ({
      rate: median(rounds.map(([rate]) => rate)),
      bare: median(rounds.map(([, bareRate]) => bareRate)),
      ratio: median(rounds.map(([rate, bareRate]) => rate / bareRate)),
      each: rounds.map(([rate, bareRate]) => (rate / bareRate).toFixed(2)).join(' '),
    });
    const keep = summary(keepAliveRounds);
    const framework = summary(koaRounds);
    const fresh = summary(handshakeRounds);
    const verdict = (ok: boolean) => (ok ? 'ok' : 'BELOW TARGET');
    const lines = [
      `transport bench (${ROUNDS} alternating rounds of ${SECONDS}s per side, node ${process.version}, load average ${loadavg()[0]?.toFixed(1)})`,
      `keep-alive, 64 connections:     agent ${keep.rate.toFixed(0)} req/s, bare ${keep.bare.toFixed(0)} req/s, ratio ${keep.ratio.toFixed(2)} [rounds ${keep.each}] (target >= 0.70: ${verdict(keep.ratio >= 0.7)})`,
      `  same load, Koa + @koa/router with one route and nothing else: ${framework.rate.toFixed(0)} req/s, ratio to bare ${framework.ratio.toFixed(2)} (the framework's own share)`,
      `new handshake per request, 16:  agent ${fresh.rate.toFixed(0)} req/s, bare ${fresh.bare.toFixed(0)} req/s, ratio ${fresh.ratio.toFixed(2)} [rounds ${fresh.each}] (target >= 0.80: ${verdict(fresh.ratio >= 0.8)})`,
      `agent idle RSS: ${idleRss.toFixed(1)} MiB (target <= 60: ${verdict(idleRss <= 60)}); the bare server's: ${bareIdleRss.toFixed(1)} MiB`,
      `agent start-to-ready: ${agent.readyMs.toFixed(0)} ms (target <= 600: ${verdict(agent.readyMs <= 600)})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all([stopProcess(agent), stopProcess(bare), stopProcess(koa)]);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
