import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** The persisted package-cache state (SPEC §7). */
export interface CacheState {
  /** RFC 3339 of the last successful refresh; null when never refreshed. */
  last_cache_update: string | null;
  /** Outcome of the most recent refresh; null when none was made. */
  last_update_success: boolean | null;
}

export const EMPTY_CACHE_STATE: CacheState = { last_cache_update: null, last_update_success: null };

/** `state_dir/state/cache.json`, written atomically, its directory created when missing. */
export class CacheStateStore {
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, 'state', 'cache.json');
  }

  /** The saved state, or the empty state when there is none or it cannot be read. */
  async load(): Promise<CacheState> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as Partial<CacheState>;
      const when = typeof parsed.last_cache_update === 'string' && !Number.isNaN(Date.parse(parsed.last_cache_update));
      return {
        last_cache_update: when ? (parsed.last_cache_update as string) : null,
        last_update_success: typeof parsed.last_update_success === 'boolean' ? parsed.last_update_success : null,
      };
    } catch {
      return { ...EMPTY_CACHE_STATE };
    }
  }

  async save(state: CacheState): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  }
}
