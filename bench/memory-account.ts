/**
 * Where the idle agent's memory goes, on the installed tree (the .deb unpacked, apt backend on a
 * sandbox root, file audit sink), built unbundled (`npm run package -- --unbundled`: the same
 * modules as separate files, so that each package can be imported on its own): a child process imports what the agent imports one step at a time
 * and prints process.memoryUsage() after a full GC per step (the deltas are what each step adds, in
 * this order: a package shared by two is counted where it is first imported); then it starts the
 * agent in-process, answers one request and writes a V8 heap snapshot, summarised here by kind
 * (code, strings, objects, closures, arrays, …) and by the constructors holding the most.
 * Run: npm run bench -- memory-account
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createTestPki, freePort, REPO_ROOT, writeAgentConfig } from '../test/support/agent.js';
import { createAptSandbox } from '../test/support/sandbox/apt.js';
import { makeSandboxDir, removeSandboxDir } from '../test/support/sandbox/common.js';
import { installedTree } from './support/installed-tree.js';

interface Step {
  step: string;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  code: number;
}

const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Sums a heap snapshot's self sizes by node type and by constructor name (the biggest). */
function summariseSnapshot(path: string): { byType: [string, number][]; byName: [string, number][] } {
  const snapshot = JSON.parse(readFileSync(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byType = new Map<string, number>();
  const byName = new Map<string, number>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? '?';
    const size = snapshot.nodes[i + sizeAt]!;
    byType.set(type, (byType.get(type) ?? 0) + size);
    if (type === 'object' || type === 'closure' || type === 'code') {
      const name = `${type} ${(snapshot.strings[snapshot.nodes[i + nameAt]!] ?? '?').slice(0, 60)}`;
      byName.set(name, (byName.get(name) ?? 0) + size);
    }
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { byType: sorted(byType), byName: sorted(byName).slice(0, 15) };
}

const dir = makeSandboxDir('memory-account');
const sandbox = await createAptSandbox();
try {
  const { coreDir, nodeOptions, environment } = installedTree(dir, { unbundled: true });
  const pki = await createTestPki(dir);
  await writeFile(join(dir, 'client.pem'), pki.client.certPem);
  await writeFile(join(dir, 'client.key'), pki.client.keyPem);
  await writeAgentConfig(dir, {
    port: await freePort(),
    allowed: ['127.0.0.1'],
    config: { audit: { sinks: ['file'], retention_days: 30 }, backend: { name: 'apt', root: sandbox.root } },
  });
  const snapshotPath = join(dir, 'idle.heapsnapshot');
  const child = spawnSync(
    process.execPath,
    [
      ...nodeOptions,
      '--expose-gc',
      join(REPO_ROOT, 'bench/support/memory-account-child.mjs'),
      coreDir,
      join(dir, 'config.yaml'),
      snapshotPath,
      dir,
    ],
    { cwd: '/', encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...environment } },
  );
  if (child.status !== 0) throw new Error(`the account's child failed:\n${child.stdout}${child.stderr}`);
  const steps = child.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Step);

  const out: string[] = [
    `memory account of the installed tree, unbundled (node ${process.version}, load average ${loadavg()[0]?.toFixed(2)}); MiB after a full GC, each row's delta over the row before`,
    '| step | RSS | Δ RSS | Δ V8 heap used | Δ V8 heap committed | Δ code + bytecode | Δ external (incl. buffers) |',
    '|---|---|---|---|---|---|---|',
  ];
  let previous: Step | undefined;
  for (const step of steps) {
    const delta = (key: keyof Omit<Step, 'step'>) => (previous ? MiB(step[key] - previous[key]) : MiB(step[key]));
    out.push(
      `| ${step.step} | ${MiB(step.rss)} | ${delta('rss')} | ${delta('heapUsed')} | ${delta('heapTotal')} | ${delta('code')} | ${delta('external')} |`,
    );
    previous = step;
  }
  const last = steps.at(-1);
  if (last) {
    out.push(
      '',
      `idle agent by kind: RSS ${MiB(last.rss)} = V8 heap committed ${MiB(last.heapTotal)} (used ${MiB(last.heapUsed)}, of which code + bytecode ${MiB(last.code)})` +
        ` + external ${MiB(last.external)} + the rest (Node's own code and data, OpenSSL, libuv, malloc arenas) ${MiB(last.rss - last.heapTotal - last.external)}`,
    );
  }
  const { byType, byName } = summariseSnapshot(snapshotPath);
  out.push('', 'heap snapshot of the idle agent, self size by kind (MiB):');
  out.push(`  ${byType.map(([type, size]) => `${type} ${MiB(size)}`).join(', ')}`);
  out.push('largest holders by constructor or function name (MiB):');
  for (const [name, size] of byName) out.push(`  ${MiB(size).padStart(6)}  ${name}`);
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  sandbox.dispose();
  removeSandboxDir(dir);
}
