import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.js';
import { toLpaError } from '../errors.js';
import { loadSettings, type Settings } from './load.js';
import { type FileWatch, watchFiles } from './watch.js';

/** Checks a parsed change is usable as a whole (see usable.ts); throws the reason to refuse it. */
export type SettingsValidator = (next: Settings, previous: Settings) => Promise<void>;

export interface ConfigManagerEvents {
  /** A valid new config is in force: (next, previous). */
  change: [Settings, Settings];
}

/**
 * Holds the settings in force and swaps them when the config file or the whitelist file changes.
 * A change is validated as a whole; an invalid one is logged and audited, and the old settings
 * stay. The watch follows the whitelist file when a reload names another one.
 */
export class ConfigManager extends EventEmitter<ConfigManagerEvents> {
  private settings: Settings;
  private watch: FileWatch | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private lastRefusal: string | null = null;
  /** The settings as last read from the files (restart-only keys included), for change detection. */
  private lastRead: Settings;
  private validator: SettingsValidator | null = null;

  constructor(
    initial: Settings,
    private readonly logger: Logger,
    private readonly audit: () => AuditTrail,
  ) {
    super();
    this.settings = initial;
    this.lastRead = initial;
  }

  /** Every change must pass this check as well as the schema before it is accepted. */
  setValidator(validator: SettingsValidator): void {
    this.validator = validator;
  }

  static async load(configPath: string, logger: Logger, audit: () => AuditTrail): Promise<ConfigManager> {
    return new ConfigManager(await loadSettings(configPath), logger, audit);
  }

  current(): Settings {
    return this.settings;
  }

  startWatching(debounceMs = 200): void {
    this.watch?.close();
    this.watch = watchFiles(
      [this.settings.configPath, this.settings.config.whitelist_file],
      () => void this.reload(),
      debounceMs,
    );
  }

  /** Re-reads both files now; resolves once the outcome is in force (or refused). */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadOnce());
    return this.reloading;
  }

  private async reloadOnce(): Promise<void> {
    const previous = this.settings;
    // What was written, by inode and time: one save firing several file events is one refusal,
    // while the same bad file written again is a new one, logged and audited again.
    const written = await filesSignature([previous.configPath, this.lastRead.config.whitelist_file]);
    let next: Settings;
    try {
      next = await loadSettings(previous.configPath);
      if (!sameSettings(this.lastRead, next)) await this.validator?.(next, previous);
    } catch (thrown) {
      const reason = toLpaError(thrown, 'LPA_ERR_CONFIG_INVALID').message;
      const refusal = `${written}\n${reason}`;
      if (refusal === this.lastRefusal) return;
      this.lastRefusal = refusal;
      this.logger.error({ reason }, 'config change refused; the running config stays in force');
      this.audit().record('config_reload', { accepted: false, reason, file: previous.configPath });
      return;
    }
    this.lastRefusal = null;
    if (sameSettings(this.lastRead, next)) return;
    this.lastRead = next;
    const restartRequired = settingsNeedingRestart(previous, next);
    // Settings bound at start keep their running value until the restart.
    const inForce = keepRunningValues(next, previous);
    this.settings = inForce;
    if (inForce.config.whitelist_file !== previous.config.whitelist_file && this.watch !== null) this.startWatching();
    if (restartRequired.length > 0) {
      this.logger.warn({ keys: restartRequired }, 'config reloaded; these settings take effect at the next restart');
    } else {
      this.logger.info({ file: next.configPath }, 'config reloaded');
    }
    this.audit().record('config_reload', { accepted: true, file: next.configPath, restart_required: restartRequired });
    this.emit('change', inForce, previous);
  }

  close(): void {
    this.watch?.close();
    this.watch = null;
  }
}

function sameSettings(a: Settings, b: Settings): boolean {
  return (
    JSON.stringify(a.config) === JSON.stringify(b.config) &&
    JSON.stringify(a.allowList.entries) === JSON.stringify(b.allowList.entries)
  );
}

/** Settings the running agent cannot swap (the state directory, the backend and the plugin set are bound at start). */
const RESTART_ONLY_SETTINGS: ReadonlyArray<[string, (settings: Settings) => unknown]> = [
  ['paths.state_dir', (settings) => settings.config.paths.state_dir],
  ['backend.name', (settings) => settings.config.backend.name],
  ['backend.root', (settings) => settings.config.backend.root],
  ['backend.apk_path', (settings) => settings.config.backend.apk_path],
  ['plugins', (settings) => settings.config.plugins],
];

/** `next` with the restart-only settings of `running`. */
function keepRunningValues(next: Settings, running: Settings): Settings {
  return {
    ...next,
    config: {
      ...next.config,
      paths: { ...next.config.paths, state_dir: running.config.paths.state_dir },
      backend: running.config.backend,
      plugins: running.config.plugins,
    },
  };
}

async function filesSignature(paths: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    paths.map(async (path) => {
      try {
        const info = await stat(path, { bigint: true });
        return `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
      } catch {
        return 'missing';
      }
    }),
  );
  return parts.join('|');
}

export function settingsNeedingRestart(previous: Settings, next: Settings): string[] {
  return RESTART_ONLY_SETTINGS.filter(([, read]) => JSON.stringify(read(previous)) !== JSON.stringify(read(next))).map(
    ([key]) => key,
  );
}
