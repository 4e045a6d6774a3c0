import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.js';
import { toLpaError } from '../errors.js';
import { loadSettings, type Settings } from './load.js';
import { type FileWatch, watchFiles } from './watch.js';

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

  constructor(
    initial: Settings,
    private readonly logger: Logger,
    private readonly audit: () => AuditTrail,
  ) {
    super();
    this.settings = initial;
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
    let next: Settings;
    try {
      next = await loadSettings(previous.configPath);
    } catch (thrown) {
      const reason = toLpaError(thrown, 'LPA_ERR_CONFIG_INVALID').message;
      // One save often fires several file events: the same refusal is reported once.
      if (reason === this.lastRefusal) return;
      this.lastRefusal = reason;
      this.logger.error({ reason }, 'config change refused; the running config stays in force');
      this.audit().record('config_reload', { accepted: false, reason, file: previous.configPath });
      return;
    }
    this.lastRefusal = null;
    if (sameSettings(previous, next)) return;
    this.settings = next;
    if (next.config.whitelist_file !== previous.config.whitelist_file && this.watch !== null) this.startWatching();
    const restartRequired = settingsNeedingRestart(previous, next);
    if (restartRequired.length > 0) {
      this.logger.warn({ keys: restartRequired }, 'config reloaded; these settings take effect at the next restart');
    } else {
      this.logger.info({ file: next.configPath }, 'config reloaded');
    }
    this.audit().record('config_reload', { accepted: true, file: next.configPath, restart_required: restartRequired });
    this.emit('change', next, previous);
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

export function settingsNeedingRestart(previous: Settings, next: Settings): string[] {
  return RESTART_ONLY_SETTINGS.filter(([, read]) => JSON.stringify(read(previous)) !== JSON.stringify(read(next))).map(
    ([key]) => key,
  );
}
