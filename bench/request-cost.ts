/**
 * What one keep-alive GET /health costs the agent against Koa + @koa/router with one route (P5 and
 * P12 of bench all, on their own and with more rounds): the agent of this checkout with the apt
 * backend on a sandbox root seeded from this host and the file audit sink, 64 keep-alive mTLS
 * clients, the server's CPU µs per request from /proc/PID/stat. The servers take turns within each
 * round (the order rotates from round to round), so drift on a shared machine hits every side.
 *
 *   LPA_BENCH_COMPARE=DIR   also runs the agent of another checkout or copy of one (DIR/core/dist/cli.js
 *                           with its own plugins) in the same rounds: the A/B of a change, printed as
 *                           this checkout's CPU per request ÷ DIR's
 *   LPA_BENCH_PROFILE=DIR   every server runs with --cpu-prof and write their profiles into DIR when stopped
 *   LPA_BENCH_BACKEND=idle  the do-nothing backend of bench/support instead of apt
 *   LPA_BENCH_RATE=N        every server gets N requests per second (below what each can answer) rather
 *                           than as many as it answers: CPU per request for the same work, steadier on a
 *                           busy machine; the throughput ratio then says nothing
 * The floor of P5 and P12 runs in the same rounds: the Koa server plus the agent's own api_request
 * record (core audit trail, hash chain, file sink) and then also its request log line
 * (bench/support/koa-record-server.mjs), each printed ÷ Koa.
 *   LPA_BENCH_ROUNDS (default 7), LPA_BENCH_SECONDS per run (default 3)
 * Run: npm run bench -- request-cost   (about 3 minutes; 4 with LPA_BENCH_COMPARE)
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTestPki, freePort, REPO_ROOT, type TestPki, writeAgentConfig } from '../test/support/agent.js';
import { type AptSandbox, createAptSandbox, HELLO } from '../test/support/sandbox/apt.js';
import { makeSandboxDir } from '../test/support/sandbox/common.js';
import { type ClientTls, keepAliveClient } from './support/keep-alive-client.js';
import { keepAliveLoad, type LoadFigures } from './support/keep-alive-load.js';
import { seedAptRootFromHost } from './support/seed-apt-root.js';
import { type ServerProcess, startServerProcess, stopServerProcess } from './support/server-process.js';
import { loadAverage, median } from './support/statistics.js';

const ROUNDS = Number(process.env.LPA_BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.LPA_BENCH_SECONDS ?? 3);
const COMPARE = process.env.LPA_BENCH_COMPARE ? resolve(process.env.LPA_BENCH_COMPARE) : null;
const PROFILE = process.env.LPA_BENCH_PROFILE ? resolve(process.env.LPA_BENCH_PROFILE) : null;
const IDLE_BACKEND = process.env.LPA_BENCH_BACKEND === 'idle';
const RATE = process.env.LPA_BENCH_RATE ? Number(process.env.LPA_BENCH_RATE) : undefined;

interface Side {
  name: string;
  server: ServerProcess;
  runs: LoadFigures[];
}

function show(values: readonly number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `${median(sorted).toFixed(digits)} [${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)}]`;
}

function profileOptions(name: string): string[] {
  return PROFILE === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`];
}

async function startAgent(
  name: string,
  checkout: string,
  dir: string,
  pki: TestPki,
  sandbox: AptSandbox | null,
): Promise<ServerProcess> {
  const cli = join(checkout, 'core/dist/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build that checkout first`);
  const agentDir = join(dir, name);
  await mkdir(agentDir, { recursive: true });
  const { configPath } = await writeAgentConfig(agentDir, {
    port: await freePort(),
    allowed: ['127.0.0.1'],
    config: {
      // One PKI for every server: the load generator presents one client certificate.
      tls: { ca: pki.files.ca, cert: pki.files.cert, key: pki.files.key },
      audit: { sinks: ['file'], retention_days: 30 },
      ...(sandbox === null
        ? { plugins: [join(REPO_ROOT, 'bench/support/idle-backend-plugin.mjs')], backend: { name: 'bench-idle', root: null } }
        : { backend: { name: 'apt', root: sandbox.root } }),
    },
  });
  const profile = PROFILE === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`];
  return startServerProcess(
    [...profile, cli, 'serve', '--config', configPath],
    'linux-patch-api listening',
    join(agentDir, 'agent.log'),
    {
      cwd: '/',
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
    },
  );
}

const cliOfCheckout = join(REPO_ROOT, 'core/dist/cli.js');
if (!existsSync(cliOfCheckout)) throw new Error('core/dist/cli.js is missing: run `npx tsc -b` first (npm run bench does)');
if (PROFILE !== null) await mkdir(PROFILE, { recursive: true });
const started = performance.now();
const loadBefore = loadAverage();
const dir = makeSandboxDir('bench-request-cost');
const sandbox = IDLE_BACKEND ? null : await createAptSandbox({ install: [`${HELLO}=1.0-1`] });
const sides: Side[] = [];
try {
  if (sandbox !== null) await seedAptRootFromHost(sandbox);
  const pki = await createTestPki(dir);
  const tls: ClientTls = { ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem };
  const koa = await startServerProcess(
    [...profileOptions('koa'), join(REPO_ROOT, 'bench/support/bare-koa-server.mjs'), pki.files.ca, pki.files.cert, pki.files.key],
    'koa listening',
    join(dir, 'koa.log'),
  );
  sides.push({ name: 'Koa one route', server: koa, runs: [] });
  // The floor: Koa one route plus the record SPEC §8 requires of every request, then also the log line.
  for (const [name, ready, env] of [
    ['Koa + api_request record', 'koa-record listening', {}],
    ['Koa + api_request record + log line', 'koa-record-log listening', { LPA_FLOOR_LOG: '1' }],
  ] as const) {
    const logDir = join(dir, ready.replace(/ .*/, ''));
    const server = await startServerProcess(
      [join(REPO_ROOT, 'bench/support/koa-record-server.mjs'), pki.files.ca, pki.files.cert, pki.files.key, logDir],
      ready,
      join(dir, `${ready.replace(/ .*/, '')}.log`),
      { env: { ...process.env, ...env } },
    );
    sides.push({ name, server, runs: [] });
  }
  for (const [name, checkout] of [['agent', REPO_ROOT], ...(COMPARE === null ? [] : [['compared', COMPARE]])] as const) {
    const server = await startAgent(name, checkout, dir, pki, sandbox);
    sides.push({ name: name === 'agent' ? 'agent (this checkout)' : `agent (${checkout})`, server, runs: [] });
  }
  // Warm-up: the first /health refreshes the package index; JIT and caches settle.
  for (const side of sides) {
    const client = keepAliveClient(side.server.port, tls);
    const health = await client.call('GET', '/health');
    client.close();
    if (health.status !== 200) throw new Error(`${side.name}: GET /health answered ${health.status}`);
    await keepAliveLoad(side.server, tls, { seconds: 1 });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let turn = 0; turn < sides.length; turn++) {
      const side = sides[(round + turn) % sides.length]!;
      side.runs.push(await keepAliveLoad(side.server, tls, { seconds: SECONDS, rate: RATE }));
    }
  }
  for (const name of ['koa-record', 'koa-record-log']) {
    const records = (await readFile(join(dir, name, 'audit.log'), 'utf8'))
      .split('\n')
      .filter((line) => line.includes('"api_request"'));
    if (records.length < 1000) throw new Error(`${name}: only ${records.length} api_request records in its audit.log`);
  }
  const [koaSide, ...others] = sides as [Side, ...Side[]];
  const floors = others.filter((side) => side.name.startsWith('Koa'));
  const agents = others.filter((side) => !side.name.startsWith('Koa'));
  const lines = [
    `request cost of keep-alive GET /health (${ROUNDS} rounds of ${SECONDS} s per server, 64 mTLS connections, ${RATE === undefined ? 'as fast as answered' : `${RATE} requests/s`}, ${IDLE_BACKEND ? 'idle' : 'apt'} backend, file audit sink, node ${process.version}; median [min–max] over rounds)`,
    `load average (1/5/15 min): ${loadBefore} at start, ${loadAverage()} at end; ${((performance.now() - started) / 1000).toFixed(0)} s`,
    ...sides.map(
      (side) =>
        `${side.name}: ${show(
          side.runs.map((run) => run.rate),
          0,
        )} requests/s, CPU ${show(
          side.runs.map((run) => run.cpuMicros),
          1,
        )} µs per request`,
    ),
    ...[...floors, ...agents].map(
      (side) =>
        `${side.name} ÷ Koa: throughput ${show(
          side.runs.map((run, i) => run.rate / koaSide.runs[i]!.rate),
          2,
        )} (P5 target ≥ 0.85), CPU per request ${show(
          side.runs.map((run, i) => run.cpuMicros / koaSide.runs[i]!.cpuMicros),
          2,
        )} (P12 target ≤ 1.2)`,
    ),
    ...(agents.length === 2
      ? [
          `this checkout ÷ compared: CPU per request ${show(
            agents[0]!.runs.map((run, i) => run.cpuMicros / agents[1]!.runs[i]!.cpuMicros),
            3,
          )}, throughput ${show(
            agents[0]!.runs.map((run, i) => run.rate / agents[1]!.runs[i]!.rate),
            3,
          )}`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const side of sides) await stopServerProcess(side.server);
  sandbox?.dispose();
  await rm(dir, { recursive: true, force: true });
}
