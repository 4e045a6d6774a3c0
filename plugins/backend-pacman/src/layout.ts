import { join } from 'node:path';
import { readPacmanOptions } from './pacman-conf.js';

/** Where pacman's files are for the root the backend operates on, and the options that say so. */
export interface PacmanLayout {
  /** null = the running system. */
  root: string | null;
  configFile: string;
  dbPath: string;
  cacheDirs: string[];
  /** pacman.log: what pacman did, with times. */
  logFile: string;
  /** Placed before the operation on every pacman call. */
  globalArgs: string[];
}

const OUTPUT_ARGS = ['--noconfirm', '--color', 'never'];

/**
 * With a root, every path pacman uses is pinned under it on the command line (config, root, db,
 * cache, hooks, keyring, log), so neither the host's /etc/pacman.conf nor anything the root's own
 * pacman.conf might say can make pacman read or write outside it.
 */
export async function resolveLayout(root: string | null): Promise<PacmanLayout> {
  if (root === null) {
    const options = await readPacmanOptions('/etc/pacman.conf');
    return {
      root: null,
      configFile: '/etc/pacman.conf',
      dbPath: options.dbPath,
      cacheDirs: options.cacheDirs,
      logFile: options.logFile,
      globalArgs: [...OUTPUT_ARGS],
    };
  }
  const configFile = join(root, 'etc/pacman.conf');
  const dbPath = join(root, 'var/lib/pacman');
  const cacheDir = join(root, 'var/cache/pacman/pkg');
  const logFile = join(root, 'var/log/pacman.log');
  return {
    root,
    configFile,
    dbPath,
    cacheDirs: [cacheDir],
    logFile,
    globalArgs: [
      '--config',
      configFile,
      '--root',
      root,
      '--dbpath',
      dbPath,
      '--cachedir',
      cacheDir,
      '--hookdir',
      join(root, 'etc/pacman.d/hooks'),
      '--gpgdir',
      join(root, 'etc/pacman.d/gnupg'),
      '--logfile',
      logFile,
      ...OUTPUT_ARGS,
    ],
  };
}
