/**
 * Start and idle footprint of two or more agent trees side by side, alternating within each round
 * so that drift on a shared machine hits every variant alike: for each `LABEL=CORE_DIR[,node-option…]`
 * argument (CORE_DIR is a directory holding the core's dist/cli.js, e.g. an unpacked .deb's
 * …/node_modules/@linux-patch-api/core), the wall time and CPU from spawn to the "listening" line,
 * the RSS after the first /health answer and after 1,000 keep-alive requests, and the /health
 * throughput and server CPU µs per request at 64 clients. All run the apt backend on the same
 * fixture root and the file audit sink, with the given node options (none by default); an option
 * `NAME=value` goes into the agent's environment instead.
 *
 *   LPA_BENCH_ROUNDS=7 node --import tsx bench/trees-ab.ts before=/tmp/a/core after=/tmp/b/core,--max-semi-space-size=4
 */

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestPki, freePort, writeAgentConfig } from '../test/support/agent.js';
import { createAptSandbox, HELLO } from '../test/support/sandbox/apt.js';
import { makeSandboxDir } from '../test/support/sandbox/common.js';
import { type ClientTls, keepAliveClient } from './support/keep-alive-client.js';
import { keepAliveLoad } from './support/keep-alive-load.js';
import { cpuSeconds, rssMiB, startServerProcess, stopServerProcess } from './support/server-process.js';
import { loadAverage, median } from './support/statistics.js';

const ROUNDS = Number(process.env.LPA_BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.LPA_BENCH_SECONDS ?? 2);

/** `NAME=value` among a variant's options is set in the agent's environment (e.g. MALLOC_ARENA_MAX=2). */
const ENVIRONMENT_VARIABLE = /^[A-Z_][A-Z0-9_]*=/;

const variants = process.argv.slice(2).map((arg) => {
  const equals = arg.indexOf('=');
  const [label, spec] = [arg.slice(0, equals), arg.slice(equals + 1)];
  if (equals < 1 || !spec) throw new Error(`expected LABEL=CORE_DIR[,node-option…], got ${arg}`);
  const [coreDir, ...options] = spec.split(',') as [string, ...string[]];
  const environment = Object.fromEntries(
    options.filter((option) => ENVIRONMENT_VARIABLE.test(option)).map((option) => option.split(/=(.*)/s).slice(0, 2)),
  );
  const nodeOptions = options.filter((option) => !ENVIRONMENT_VARIABLE.test(option));
  return { label, cli: join(coreDir, 'dist/cli.js'), nodeOptions, environment, shown: options.join(' ') };
});
if (variants.length < 2) throw new Error('give at least two LABEL=CORE_DIR[,node-option…] variants');

const loadBefore = loadAverage();
const dir = makeSandboxDir('bench-trees-ab');
const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`] });
try {
  const pki = await createTestPki(dir);
  const tls: ClientTls = { ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem };
  const { configPath } = await writeAgentConfig(dir, {
    port: await freePort(),
    allowed: ['127.0.0.1'],
    config: { audit: { sinks: ['file'], retention_days: 30 }, backend: { name: 'apt', root: sandbox.root } },
  });
  const figures = variants.map(() => ({
    ready: [] as number[],
    readyCpu: [] as number[],
    rssStart: [] as number[],
    rss1000: [] as number[],
    rate: [] as number[],
    cpuMicros: [] as number[],
  }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, variant] of variants.entries()) {
      const agent = await startServerProcess(
        [...variant.nodeOptions, variant.cli, 'serve', '--config', configPath],
        'linux-patch-api listening',
        join(dir, `agent-${index}.log`),
        { cwd: '/', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...variant.environment } },
      );
      try {
        const f = figures[index]!;
        f.ready.push(agent.readyMs);
        f.readyCpu.push(cpuSeconds(agent.pid) * 1000);
        const client = keepAliveClient(agent.port, tls);
        const health = await client.call('GET', '/health');
        client.close();
        if (health.status !== 200) throw new Error(`${variant.label}: GET /health answered ${health.status}`);
        f.rssStart.push(rssMiB(agent.pid));
        await keepAliveLoad(agent, tls, { amount: 1000 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        f.rss1000.push(rssMiB(agent.pid));
        const run = await keepAliveLoad(agent, tls, { seconds: SECONDS });
        f.rate.push(run.rate);
        f.cpuMicros.push(run.cpuMicros);
      } finally {
        await stopServerProcess(agent);
      }
    }
  }
  const first = figures[0]!;
  const row = (label: string, pick: (f: (typeof figures)[number]) => number[], digits: number) =>
    `| ${label} | ${figures
      .map((f) => {
        const value = median(pick(f));
        const ratio = f === first ? '' : ` (×${(value / median(pick(first))).toFixed(2)})`;
        return `${value.toFixed(digits)} [${Math.min(...pick(f)).toFixed(digits)}–${Math.max(...pick(f)).toFixed(digits)}]${ratio}`;
      })
      .join(' | ')} |`;
  const lines = [
    `${ROUNDS} rounds alternating, node ${process.version}; median [min–max]; load average ${loadBefore} at start, ${loadAverage()} at end`,
    `| measure | ${variants.map((v) => `${v.label} ${v.shown}`.trim()).join(' | ')} |`,
    `|---|${variants.map(() => '---').join('|')}|`,
    row('start to ready, ms', (f) => f.ready, 0),
    row('CPU spawn to ready, ms', (f) => f.readyCpu, 0),
    row('RSS after first answer, MiB', (f) => f.rssStart, 1),
    row('RSS after 1,000 requests, MiB', (f) => f.rss1000, 1),
    row('/health requests/s (64 clients)', (f) => f.rate, 0),
    row('server CPU µs per /health', (f) => f.cpuMicros, 1),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  sandbox.dispose();
  await rm(dir, { recursive: true, force: true });
}
