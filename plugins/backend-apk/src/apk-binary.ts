import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { LpaError } from '@linux-patch-api/core';

/** Where Alpine and other distributions put apk, in the order they are tried. */
export const STANDARD_APK_LOCATIONS = ['/sbin/apk', '/usr/sbin/apk', '/bin/apk', '/usr/bin/apk'] as const;

export interface LocatedApk {
  path: string;
  /** `config`: backend.apk_path; `standard`: one of STANDARD_APK_LOCATIONS; `PATH`: a PATH entry. */
  source: 'config' | 'standard' | 'PATH';
}

export interface LocateApkOptions {
  /** backend.apk_path; when set it is the only candidate and must be an executable file. */
  configured?: string | null;
  /** The PATH to search after the standard locations (the agent's own, by default). */
  searchPath?: string;
  standardLocations?: readonly string[];
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The apk binary the backend runs: backend.apk_path when configured (an error when it is not an
 * executable file), else the first executable of the standard locations, then of PATH; null when
 * there is none.
 */
export async function locateApk(options: LocateApkOptions = {}): Promise<LocatedApk | null> {
  const configured = options.configured ?? null;
  if (configured !== null) {
    if (!isAbsolute(configured) || !(await isExecutableFile(configured))) {
      throw new LpaError('LPA_ERR_BACKEND', `backend.apk_path ${configured} is not an executable file`, {
        details: { apk_path: configured },
      });
    }
    return { path: configured, source: 'config' };
  }
  for (const path of options.standardLocations ?? STANDARD_APK_LOCATIONS) {
    if (await isExecutableFile(path)) return { path, source: 'standard' };
  }
  for (const dir of (options.searchPath ?? process.env.PATH ?? '').split(delimiter)) {
    // Relative PATH entries would depend on the agent's working directory; they are skipped.
    if (!isAbsolute(dir)) continue;
    const path = join(dir, 'apk');
    if (await isExecutableFile(path)) return { path, source: 'PATH' };
  }
  return null;
}
