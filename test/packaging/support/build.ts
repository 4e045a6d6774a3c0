/**
 * Builds native packages with `npm run package`'s script (reusing the tsc output the test command
 * already built) into a temp dir removed when the process exits. Each test file builds only the
 * formats it checks, so that one file stays well inside the runner's per-file time limit.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxDir, runTool } from '../../support/sandbox/common.js';

export const REPO_ROOT = process.env['LPA_REPO_ROOT'] ?? join(import.meta.dirname, '..', '..', '..');

export type TargetId = 'deb' | 'rpm-dnf' | 'rpm-yum' | 'apk' | 'pacman';

const built = new Map<string, Promise<Record<string, string>>>();

function runPackageScript(outDir: string, targets: readonly TargetId[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'scripts', 'package.mjs'), '--out', outDir, '--skip-build', '--only', targets.join(',')],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`package build failed: ${error.message}\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
}

const FILE_PATTERNS: Record<TargetId, RegExp> = {
  deb: /\.deb$/,
  'rpm-dnf': /\.dnf\.[^.]+\.rpm$/,
  'rpm-yum': /\.yum\.[^.]+\.rpm$/,
  apk: /\.apk$/,
  pacman: /\.pkg\.tar\.zst$/,
};

async function build(targets: readonly TargetId[]): Promise<Record<string, string>> {
  if (!existsSync(join(REPO_ROOT, 'core', 'dist', 'index.js'))) {
    await runTool(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT });
  }
  const outDir = join(makeSandboxDir('packages'), 'out');
  await runPackageScript(outDir, targets);
  const files: Record<string, string> = {};
  for (const target of targets) {
    const found = readdirSync(outDir).filter((name) => FILE_PATTERNS[target].test(name));
    if (found.length !== 1) throw new Error(`expected one ${target} package in ${outDir}, found ${found.join(', ') || 'none'}`);
    files[target] = join(outDir, found[0]!);
  }
  return files;
}

/** Package paths by target id; built with the packaging script on first use in this process. */
export function builtPackages(targets: readonly TargetId[]): Promise<Record<string, string>> {
  const key = targets.join(',');
  let pending = built.get(key);
  if (!pending) {
    pending = build(targets);
    built.set(key, pending);
  }
  return pending;
}
