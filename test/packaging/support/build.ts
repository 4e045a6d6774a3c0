/**
 * Builds the five native packages once per test process with `npm run package`'s script (reusing
 * the tsc output the test command already built), into a temp dir removed when the process exits.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxDir, runTool } from '../../support/sandbox/common.js';

export const REPO_ROOT = process.env['LPA_REPO_ROOT'] ?? join(import.meta.dirname, '..', '..', '..');

export interface BuiltPackages {
  deb: string;
  rpmDnf: string;
  rpmYum: string;
  apk: string;
  pacman: string;
}

let built: Promise<BuiltPackages> | undefined;

function runPackageScript(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'scripts', 'package.mjs'), '--out', outDir, '--skip-build'],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`package build failed: ${error.message}\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
}

function pick(dir: string, test: (name: string) => boolean, what: string): string {
  const found = readdirSync(dir).filter(test);
  if (found.length !== 1) throw new Error(`expected one ${what} in ${dir}, found ${found.join(', ') || 'none'}`);
  return join(dir, found[0]!);
}

async function build(): Promise<BuiltPackages> {
  if (!existsSync(join(REPO_ROOT, 'core', 'dist', 'index.js'))) {
    await runTool(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT });
  }
  const outDir = join(makeSandboxDir('packages'), 'out');
  await runPackageScript(outDir);
  return {
    deb: pick(outDir, (n) => n.endsWith('.deb'), '.deb'),
    rpmDnf: pick(outDir, (n) => n.endsWith('.dnf.x86_64.rpm') || /\.dnf\.[^.]+\.rpm$/.test(n), 'dnf .rpm'),
    rpmYum: pick(outDir, (n) => /\.yum\.[^.]+\.rpm$/.test(n), 'yum .rpm'),
    apk: pick(outDir, (n) => n.endsWith('.apk'), '.apk'),
    pacman: pick(outDir, (n) => n.endsWith('.pkg.tar.zst'), '.pkg.tar.zst'),
  };
}

/** The packages, built on first use and shared by every test of this process. */
export function builtPackages(): Promise<BuiltPackages> {
  built ??= build();
  return built;
}
