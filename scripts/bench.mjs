#!/usr/bin/env node
// `npm run bench -- NAME`: builds (tsc -b, incremental), then runs bench/NAME.ts. Without a name,
// lists the benchmarks. Each bench prints ratios measured side by side in one run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const available = readdirSync(join(root, 'bench'))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.slice(0, -3));
const names = process.argv.slice(2);
if (names.length === 0 || names.some((name) => !available.includes(name))) {
  console.error(`usage: npm run bench -- NAME…\navailable: ${available.join(', ')}`);
  process.exit(names.length === 0 ? 0 : 2);
}
if (!existsSync(join(root, 'node_modules'))) {
  console.error('node_modules is missing: run npm ci first');
  process.exit(1);
}
const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
for (const name of names) {
  const run = spawnSync(process.execPath, ['--conditions=lpa-source', '--import', 'tsx', join(root, 'bench', `${name}.ts`)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
