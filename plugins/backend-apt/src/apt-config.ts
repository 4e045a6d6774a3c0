import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LpaError } from '@linux-patch-api/core';

/** Where apt and dpkg keep their state for one root ('/' for the running system). */
export interface AptPaths {
  root: string;
  statusFile: string;
  dpkgDir: string;
  listsDir: string;
  pkgcache: string;
  archivesDir: string;
  etcDir: string;
  dpkgLog: string;
}

export function aptPaths(root: string | null): AptPaths {
  const base = root ?? '/';
  return {
    root: base,
    statusFile: join(base, 'var/lib/dpkg/status'),
    dpkgDir: join(base, 'var/lib/dpkg'),
    listsDir: join(base, 'var/lib/apt/lists'),
    pkgcache: join(base, 'var/cache/apt/pkgcache.bin'),
    archivesDir: join(base, 'var/cache/apt/archives'),
    etcDir: join(base, 'etc/apt'),
    dpkgLog: join(base, 'var/log/dpkg.log'),
  };
}

function quote(value: string): string {
  if (/["\n\r\\]/.test(value)) {
    throw new LpaError('LPA_ERR_CONFIG_INVALID', `backend.root cannot be used by apt: ${JSON.stringify(value)}`);
  }
  return `"${value}"`;
}

/**
 * The APT_CONFIG text that confines apt and dpkg to `root`. APT_CONFIG is read before anything
 * else, and pointing Dir::Etc under the root means the host's /etc/apt/apt.conf.d (with its
 * hooks) is never read; apt never passes --root to dpkg by itself, and dpkg --root still logs to
 * the host's dpkg.log unless --log is given.
 */
export function renderAptConfig(root: string): string {
  const dir = root.endsWith('/') ? root : `${root}/`;
  const paths = aptPaths(root);
  return [
    `Dir ${quote(dir)};`,
    `Dir::State::status ${quote(paths.statusFile)};`,
    `Dir::Etc ${quote(`${paths.etcDir}/`)};`,
    `Dir::Log ${quote(join(root, 'var/log/apt'))};`,
    `DPkg::Options { ${quote(`--root=${root}`)}; ${quote(`--log=${paths.dpkgLog}`)}; };`,
    'Acquire::Languages "none";',
    '',
  ].join('\n');
}

/** A short stable name for a root, for the backend's own files in the state directory. */
export function rootKey(root: string | null): string {
  return createHash('sha256')
    .update(root ?? '/')
    .digest('hex')
    .slice(0, 16);
}

/** Where the backend records the time of its last successful `apt-get update` for a root. */
export function updateStampPath(root: string | null, stateDir: string): string {
  return join(stateDir, 'backend-apt', `update-success-${rootKey(root)}`);
}

/** Writes the APT_CONFIG file for `root` into the agent's state directory and returns its path. */
export async function writeAptConfig(root: string, stateDir: string): Promise<string> {
  const text = renderAptConfig(root);
  const dir = join(stateDir, 'backend-apt');
  const file = join(dir, `apt-${rootKey(root)}.conf`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(file, text, { mode: 0o600 });
  } catch (error) {
    throw new LpaError('LPA_ERR_BACKEND', `cannot write the apt configuration for ${root}`, { cause: error });
  }
  return file;
}
