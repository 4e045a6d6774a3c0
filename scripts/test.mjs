#!/usr/bin/env node
// The one test command: installs and builds what is missing, type-checks (strict), lints, then runs
// every test with Node's built-in runner. `node scripts/test.mjs FILE…` runs only those files
// (no install, build or lint) for a quick loop.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

function step(title, command, args) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    console.error(`\n${title} failed`);
    process.exit(result.status ?? 1);
  }
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'fixtures') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found;
}

const only = process.argv.slice(2);
if (only.length === 0) {
  if (!existsSync(join(root, 'node_modules'))) step('install dependencies', 'npm', ['ci', '--no-audit', '--no-fund']);
  step('build (tsc -b, strict)', 'npx', ['tsc', '-b']);
  step('type-check tests', 'npx', ['tsc', '-p', 'tsconfig.tests.json']);
  step('lint (biome)', 'npx', ['biome', 'check', '.']);
}

const files =
  only.length > 0
    ? only
    : [
        ...findTests('core/test'),
        ...readdirSync('plugins').flatMap((p) => findTests(join('plugins', p, 'test'))),
        ...findTests('test'),
      ].sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
console.log(`\n> run ${files.length} test files`);
const result = spawnSync(
  process.execPath,
  [
    '--conditions=lpa-source',
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.LPA_TEST_CONCURRENCY ?? '3'}`,
    '--test-timeout=300000',
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', cwd: root, env: { ...process.env, LPA_REPO_ROOT: root } },
);
process.exit(result.status ?? 1);
