import { readFile } from 'node:fs/promises';

/** The `[options]` values of a pacman.conf that the backend needs when it runs on the live system. */
export interface PacmanOptions {
  dbPath: string;
  cacheDirs: string[];
  logFile: string;
}

const DEFAULTS: PacmanOptions = {
  dbPath: '/var/lib/pacman',
  cacheDirs: ['/var/cache/pacman/pkg'],
  logFile: '/var/log/pacman.log',
};

/** Reads DBPath, CacheDir and LogFile from `[options]`; anything missing keeps pacman's compiled-in default. */
export function parsePacmanOptions(text: string): PacmanOptions {
  let section = '';
  let dbPath: string | null = null;
  let logFile: string | null = null;
  const cacheDirs: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1] as string;
      continue;
    }
    if (section !== 'options') continue;
    const setting = /^(\w+)\s*=\s*(.+)$/.exec(line);
    if (setting === null) continue;
    const value = (setting[2] as string).trim();
    if (setting[1] === 'DBPath') dbPath = value.replace(/\/+$/, '') || '/';
    else if (setting[1] === 'LogFile') logFile = value;
    else if (setting[1] === 'CacheDir') cacheDirs.push(...value.split(/\s+/).map((dir) => dir.replace(/\/+$/, '') || '/'));
  }
  return {
    dbPath: dbPath ?? DEFAULTS.dbPath,
    cacheDirs: cacheDirs.length > 0 ? cacheDirs : [...DEFAULTS.cacheDirs],
    logFile: logFile ?? DEFAULTS.logFile,
  };
}

export async function readPacmanOptions(path: string): Promise<PacmanOptions> {
  try {
    return parsePacmanOptions(await readFile(path, 'utf8'));
  } catch {
    return { ...DEFAULTS, cacheDirs: [...DEFAULTS.cacheDirs] };
  }
}

/** `IgnorePkg` and `IgnoreGroup` of `[options]`: pacman keeps these packages' upgrades back. */
export interface IgnoreLists {
  packages: string[];
  groups: string[];
}

export function parseIgnoreLists(text: string): IgnoreLists {
  const lists: IgnoreLists = { packages: [], groups: [] };
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1] as string;
      continue;
    }
    const setting = /^(IgnorePkg|IgnoreGroup)\s*=\s*(.+)$/.exec(line);
    if (section !== 'options' || setting === null) continue;
    const values = (setting[2] as string).trim().split(/\s+/);
    (setting[1] === 'IgnorePkg' ? lists.packages : lists.groups).push(...values);
  }
  return lists;
}

/** Why pacman ignores this package's upgrade, in pacman.conf's words (IgnorePkg entries are fnmatch globs). */
export function ignoreDetail(name: string, lists: IgnoreLists, configFile: string): string {
  const entry = lists.packages.find((pattern) => globMatches(pattern, name));
  if (entry !== undefined) return `IgnorePkg = ${entry} in ${configFile}`;
  if (lists.groups.length > 0) return `IgnoreGroup = ${lists.groups.join(' ')} in ${configFile}`;
  return `ignored by ${configFile}`;
}

function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|\\/-]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  try {
    return new RegExp(`^${source}$`).test(name);
  } catch {
    return pattern === name;
  }
}
