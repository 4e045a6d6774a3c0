/**
 * Pieces every sandbox harness (apt, dnf, pacman) shares: temp dirs that are removed when the test
 * process exits, running host tools with argument arrays, and fingerprints of host files that a
 * test run must leave untouched.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const pendingRemovals = new Set<string>();
process.once('exit', () => {
  for (const dir of pendingRemovals) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system temp dir, removed at the latest when this process exits. */
export function makeSandboxDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lpa-${prefix}-`));
  pendingRemovals.add(dir);
  return dir;
}

export function removeSandboxDir(dir: string): void {
  // A package-manager process stopped by a cancellation test may still be writing its cache for a
  // moment after the test ends: retry the removal instead of failing the suite on ENOTEMPTY.
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  pendingRemovals.delete(dir);
}

export interface ToolResult {
  stdout: string;
  stderr: string;
}

export interface ToolOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
}

/** Runs a host tool without a shell; rejects with its output when it exits non-zero. */
export function runTool(file: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      [...args],
      {
        cwd: options.cwd,
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', ...options.env },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** SHA-256 of a file's bytes, or `missing`: compare before and after a run to prove it untouched. */
export function fingerprintFile(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}

/** Puts a minimal /bin/sh and /bin/sleep, with their libraries, in a root (for maintainer scripts and chrooted test processes). */
export async function addShell(root: string): Promise<void> {
  const programs = [
    { from: '/bin/dash', to: 'bin/sh' },
    { from: '/bin/sleep', to: 'bin/sleep' },
  ];
  const libraries = new Set<string>();
  for (const { from } of programs) {
    const { stdout } = await runTool('/usr/bin/ldd', [from]);
    for (const match of stdout.matchAll(/(\/\S+\.so[^\s]*)/g)) libraries.add(match[1]!);
  }
  for (const { from, to } of programs) {
    await mkdir(dirname(join(root, to)), { recursive: true });
    await copyFile(from, join(root, to));
    await chmod(join(root, to), 0o755);
  }
  for (const library of libraries) {
    await mkdir(dirname(join(root, library)), { recursive: true });
    await copyFile(library, join(root, library));
  }
}
