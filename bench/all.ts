/**
 * Every footprint and latency target in one run, against the installed tree (the .deb built by the
 * packaging code and unpacked with dpkg-deb, run from its own production node_modules, as
 * /usr/bin/linux-patch-api runs it) and against the checkout (core/dist/cli.js with the workspace's
 * plugins), both with the apt backend on one sandbox root seeded from this host's dpkg database
 * (≥ 800 packages) and the file audit sink.
 *
 *   P9   idle RSS right after start (first answer) and after 1,000 requests      ≤ 60 MiB
 *   P5   keep-alive /health throughput ÷ Koa + @koa/router with one route         ≥ 0.85
 *   P11  start-to-ready (spawn to the "listening" line)                           ≤ 400 ms
 *   P1   GET /packages (keep-alive) ÷ dpkg-query -W                                ≤ 0.2
 *   P3   GET /patches cold ÷ apt list --upgradable                                 ≤ 1.0
 *   P4   GET /packages ÷ ansible localhost -m package_facts (same root)            ≤ 0.01
 *   P12  server CPU µs per /health request, agent ÷ Koa baseline                   ≤ 1.2
 *
 * Agent and baseline alternate within each round so that drift on a shared machine hits both; each
 * ratio is printed as the median of the per-round ratios with the min and max.
 * Run: npm run bench -- all   (LPA_BENCH_ROUNDS, default 5; LPA_BENCH_SECONDS per throughput run,
 * default 2; LPA_BENCH_TREES=installed or checkout to run one; about 4 minutes in all)
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestPki, freePort, REPO_ROOT, type TestPki, writeAgentConfig } from '../test/support/agent.js';
import { type AptSandbox, createAptSandbox, HELLO, SEC } from '../test/support/sandbox/apt.js';
import { makeSandboxDir } from '../test/support/sandbox/common.js';
import { installedTree } from './support/installed-tree.js';
import { type ClientTls, keepAliveClient } from './support/keep-alive-client.js';
import { keepAliveLoad } from './support/keep-alive-load.js';
import { seedAptRootFromHost } from './support/seed-apt-root.js';
import { cpuSeconds, rssMiB, type ServerProcess, startServerProcess, stopServerProcess } from './support/server-process.js';
import { loadAverage, median } from './support/statistics.js';

const ROUNDS = Number(process.env.LPA_BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.LPA_BENCH_SECONDS ?? 2);
const STARTS = 5;
const ANSIBLE_RUNS = 3;
const TREES = (process.env.LPA_BENCH_TREES ?? 'installed,checkout').split(',');

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', HOME: process.env.HOME ?? '/root', ...env },
        maxBuffer: 1 << 28,
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

async function sample(count: number, action: () => Promise<unknown>, between?: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await between?.();
    times.push(await timed(action));
  }
  return median(times);
}

interface Spread {
  values: number[];
}
const spread = (values: number[]): Spread => ({ values });
function show(s: Spread, digits: number): string {
  const sorted = [...s.values].sort((a, b) => a - b);
  if (sorted.length === 0) return 'n/a';
  return `${median(sorted).toFixed(digits)} [${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)}]`;
}

interface TreeFigures {
  rssStart: Spread;
  rssAfter1000: number;
  rssAfterBench: number;
  ready: Spread;
  /** CPU the agent process used from spawn to ready: less sensitive to a busy machine than the wall time. */
  readyCpu: Spread;
  throughput: Spread;
  cpu: Spread;
  agentCpuMicros: Spread;
  koaCpuMicros: Spread;
  packages: Spread;
  patchesCold: Spread;
  ansible: Spread;
  packagesMs: number[];
  ansibleMs: number[];
  dpkgQueryMs: number[];
  aptListMs: number[];
}

async function benchTree(
  name: string,
  command: string[],
  env: { dir: string; tls: ClientTls; sandbox: AptSandbox; koa: ServerProcess; environment: Record<string, string> },
): Promise<TreeFigures> {
  const agentDir = join(env.dir, `agent-${name}`);
  await mkdir(agentDir, { recursive: true });
  const agentPki = await createTestPki(agentDir);
  const tls: ClientTls = { ca: agentPki.ca.certPem, cert: agentPki.client.certPem, key: agentPki.client.keyPem };
  const { configPath } = await writeAgentConfig(agentDir, {
    port: await freePort(),
    allowed: ['127.0.0.1'],
    config: { audit: { sinks: ['file'], retention_days: 30 }, backend: { name: 'apt', root: env.sandbox.root } },
  });
  const agentEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env.environment };
  const start = () =>
    startServerProcess([...command, 'serve', '--config', configPath], 'linux-patch-api listening', join(agentDir, 'agent.log'), {
      cwd: '/',
      env: agentEnv,
    });
  const ready: number[] = [];
  const rssStart: number[] = [];
  const readyCpu: number[] = [];
  let agent: ServerProcess | undefined;
  for (let i = 0; i < STARTS; i++) {
    if (agent) await stopServerProcess(agent);
    agent = await start();
    ready.push(agent.readyMs);
    readyCpu.push(cpuSeconds(agent.pid) * 1000);
    const client = keepAliveClient(agent.port, tls);
    const health = await client.call('GET', '/health');
    client.close();
    if (health.status !== 200) throw new Error(`GET /health answered ${health.status}`);
    rssStart.push(rssMiB(agent.pid));
  }
  if (!agent) throw new Error('no agent');
  try {
    await keepAliveLoad(agent, tls, { amount: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const rssAfter1000 = rssMiB(agent.pid);

    const client = keepAliveClient(agent.port, tls);
    const first = await client.call('GET', '/packages');
    if (first.status !== 200 || first.json.data.total < 800)
      throw new Error(`GET /packages: ${first.status}, ${first.json.data?.total} packages (need >= 800)`);
    await client.call('GET', '/patches');
    const aptEnv = env.sandbox.env;
    const preferences = join(env.sandbox.root, 'etc/apt/preferences.d');
    let tick = Date.now() / 1000;

    const figures: TreeFigures = {
      rssStart: spread(rssStart),
      rssAfter1000,
      rssAfterBench: 0,
      ready: spread(ready),
      readyCpu: spread(readyCpu),
      throughput: spread([]),
      cpu: spread([]),
      agentCpuMicros: spread([]),
      koaCpuMicros: spread([]),
      packages: spread([]),
      patchesCold: spread([]),
      ansible: spread([]),
      packagesMs: [],
      ansibleMs: [],
      dpkgQueryMs: [],
      aptListMs: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const ours = await keepAliveLoad(agent, tls, { seconds: SECONDS });
      const koa = await keepAliveLoad(env.koa, env.tls, { seconds: SECONDS });
      figures.throughput.values.push(ours.rate / koa.rate);
      figures.cpu.values.push(ours.cpuMicros / koa.cpuMicros);
      figures.agentCpuMicros.values.push(ours.cpuMicros);
      figures.koaCpuMicros.values.push(koa.cpuMicros);

      const dpkgQuery = await sample(10, () => run('/usr/bin/dpkg-query', [`--admindir=${env.sandbox.root}/var/lib/dpkg`, '-W']));
      const packages = await sample(30, () => client.call('GET', '/packages', undefined, false));
      figures.packages.values.push(packages / dpkgQuery);
      figures.packagesMs.push(packages);
      figures.dpkgQueryMs.push(dpkgQuery);

      // A changed preferences.d invalidates the agent's upgrade list (not apt's own pkgcache.bin),
      // so each call recomputes it the way a cold agent would.
      const aptList = await sample(2, () => run('/usr/bin/apt', ['list', '--upgradable'], aptEnv));
      const patchesCold = await sample(
        2,
        () => client.call('GET', '/patches', undefined, false),
        async () => {
          tick += 1;
          await utimes(preferences, tick, tick);
        },
      );
      figures.patchesCold.values.push(patchesCold / aptList);
      figures.aptListMs.push(aptList);

      if (round < ANSIBLE_RUNS) {
        // Debian's ansible-core with python3-apt; APT_CONFIG confines python-apt to the sandbox root.
        const ansible = await timed(async () => {
          const output = await run(
            '/usr/bin/ansible',
            ['localhost', '-c', 'local', '-i', 'localhost,', '-m', 'package_facts', '-a', 'manager=apt'],
            { ...aptEnv, ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3', ANSIBLE_LOCALHOST_WARNING: 'false' },
          );
          if (!output.includes(`"${HELLO}"`)) throw new Error('package_facts did not read the sandbox root');
        });
        const packagesNow = await sample(10, () => client.call('GET', '/packages', undefined, false));
        figures.ansible.values.push(packagesNow / ansible);
        figures.ansibleMs.push(ansible);
      }
    }
    client.close();
    figures.rssAfterBench = rssMiB(agent.pid);
    return figures;
  } finally {
    await stopServerProcess(agent);
  }
}

/**
 * The floor of P9: the RSS of a baseline server (the same node options as the agent, mTLS, the same
 * /health answer) right after its first answer and after 1,000 keep-alive requests, and the CPU its start took.
 */
async function baselineRss(
  script: string,
  launcher: { nodeOptions: string[]; environment: Record<string, string> },
  pki: TestPki,
  dir: string,
): Promise<[number, number, number]> {
  const server = await startServerProcess(
    [...launcher.nodeOptions, join(REPO_ROOT, 'bench/support', script), pki.files.ca, pki.files.cert, pki.files.key],
    'listening',
    join(dir, `${script}.log`),
    { env: { ...process.env, ...launcher.environment } },
  );
  const readyCpuMs = cpuSeconds(server.pid) * 1000;
  try {
    const tls = { ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem };
    const client = keepAliveClient(server.port, tls);
    await client.call('GET', '/health');
    client.close();
    const start = rssMiB(server.pid);
    await keepAliveLoad(server, tls, { amount: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    return [start, rssMiB(server.pid), readyCpuMs];
  } finally {
    await stopServerProcess(server);
  }
}

const cliOfCheckout = join(REPO_ROOT, 'core/dist/cli.js');
if (!existsSync(cliOfCheckout)) throw new Error('core/dist/cli.js is missing: run `npx tsc -b` first (npm run bench does)');
const started = performance.now();
const loadBefore = loadAverage();
const dir = makeSandboxDir('bench-all');
const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] });
try {
  await seedAptRootFromHost(sandbox);
  const pki = await createTestPki(dir);
  const tls = { ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem };
  const koa = await startServerProcess(
    [join(REPO_ROOT, 'bench/support/bare-koa-server.mjs'), pki.files.ca, pki.files.cert, pki.files.key],
    'koa listening',
    join(dir, 'koa.log'),
  );
  try {
    // The installed tree runs with what its launcher passes to node: options and environment.
    const trees: [string, string[], Record<string, string>][] = [];
    let launcher = { nodeOptions: [] as string[], environment: {} as Record<string, string> };
    if (TREES.includes('installed')) {
      const tree = installedTree(dir);
      launcher = tree;
      trees.push(['installed', [...tree.nodeOptions, join(tree.coreDir, 'dist/cli.js')], tree.environment]);
    }
    if (TREES.includes('checkout')) trees.push(['checkout', [cliOfCheckout], {}]);
    const nodeOptions = launcher.nodeOptions;
    const bareRss = await baselineRss('bare-https-server.mjs', launcher, pki, dir);
    const koaRss = await baselineRss('bare-koa-server.mjs', launcher, pki, dir);
    const results: [string, TreeFigures][] = [];
    for (const [name, cli, environment] of trees) {
      results.push([name, await benchTree(name, cli, { dir, tls, sandbox, koa, environment })]);
    }

    const rows: [string, string, string, (f: TreeFigures) => string][] = [
      ['P9', 'idle RSS right after start, MiB', '≤ 60', (f) => show(f.rssStart, 1)],
      ['P9', 'idle RSS after 1,000 requests, MiB', '≤ 60', (f) => f.rssAfter1000.toFixed(1)],
      ['P5', 'keep-alive /health ÷ Koa one-route', '≥ 0.85', (f) => show(f.throughput, 2)],
      ['P11', 'start-to-ready, ms', '≤ 400', (f) => show(f.ready, 0)],
      ['P1', 'GET /packages ÷ dpkg-query -W', '≤ 0.2', (f) => show(f.packages, 3)],
      ['P3', 'GET /patches cold ÷ apt list --upgradable', '≤ 1.0', (f) => show(f.patchesCold, 2)],
      ['P4', 'GET /packages ÷ ansible package_facts', '≤ 0.01', (f) => show(f.ansible, 4)],
      ['P12', 'CPU µs per /health, agent ÷ Koa', '≤ 1.2', (f) => show(f.cpu, 2)],
    ];
    const lines = [
      `all targets (${ROUNDS} rounds, ${SECONDS}s throughput runs, ${STARTS} starts, node ${process.version}; median [min–max] over rounds)`,
      `load average (1/5/15 min): ${loadBefore} at start, ${loadAverage()} at end; ${((performance.now() - started) / 1000).toFixed(0)} s`,
      `| # | measure | target | ${results.map(([name]) => name).join(' | ')} |`,
      `|---|---|---|${results.map(() => '---').join('|')}|`,
      ...rows.map(
        ([id, label, target, cell]) => `| ${id} | ${label} | ${target} | ${results.map(([, f]) => cell(f)).join(' | ')} |`,
      ),
      '',
      `P9 floor with the installed tree's node options and environment (${[...nodeOptions, ...Object.entries(launcher.environment).map(([name, value]) => `${name}=${value}`)].join(' ') || 'none'}): a bare Node mTLS server ${bareRss[0].toFixed(1)} MiB after its first answer, ${bareRss[1].toFixed(1)} MiB after 1,000 requests; Koa + @koa/router with one route ${koaRss[0].toFixed(1)} / ${koaRss[1].toFixed(1)} MiB; CPU from spawn to ready: bare ${bareRss[2].toFixed(0)} ms, Koa ${koaRss[2].toFixed(0)} ms`,
      ...results.map(
        ([name, f]) =>
          `${name}: CPU used from spawn to ready ${show(f.readyCpu, 0)} ms; RSS after the whole bench ${f.rssAfterBench.toFixed(1)} MiB; CPU µs/request agent ${show(f.agentCpuMicros, 1)}, Koa ${show(f.koaCpuMicros, 1)}; ` +
          `GET /packages ${median(f.packagesMs).toFixed(2)} ms, dpkg-query -W ${median(f.dpkgQueryMs).toFixed(2)} ms, apt list --upgradable ${median(f.aptListMs).toFixed(0)} ms, ansible package_facts ${median(f.ansibleMs).toFixed(0)} ms`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stopServerProcess(koa);
  }
} finally {
  sandbox.dispose();
  await rm(dir, { recursive: true, force: true });
}
