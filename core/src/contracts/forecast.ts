/** Reboot and restart forecasts and outcomes (SPEC §12.5), exactly as the API shows them. */

/** Why a package makes the host need a reboot. */
export interface RebootReason {
  /** The package, or null when the reason is a flag no package is named for. */
  package: string | null;
  why: string;
}

/** A running process that maps a file of a changed package. */
export interface AffectedProcess {
  pid: number;
  command: string;
  reason: string;
}

/** What a change means for the running system: before it (forecast) or measured after it (outcome). */
export interface RestartForecast {
  reboot_required: boolean;
  reasons: RebootReason[];
  /** systemd units whose unit files belong to packages that are upgraded, downgraded or removed. */
  services: string[];
  processes: AffectedProcess[];
}

/**
 * A package name pattern that makes a reboot necessary when such a package is installed, upgraded
 * or downgraded: an exact name, or a prefix followed by `*` (`linux-image-*`).
 */
export interface RebootRule {
  pattern: string;
  why: string;
}

/** What the package manager's own reboot flag says right now (Debian's /run/reboot-required, needs-restarting -r). */
export interface RebootFlag {
  required: boolean;
  /** The packages it names (Debian's /run/reboot-required.pkgs), where it names any. */
  packages: string[];
  /** Where the flag comes from, in the operator's terms (e.g. the flag file's path within the root). */
  source: string;
}

/**
 * What a backend gives the core to forecast reboots and restarts (plugin API 1.x, optional: a
 * backend without it declares `reboot_forecast: false` and its jobs carry no forecast).
 */
export interface RestartForecasting {
  /** This distribution's packages that need a reboot (kernel and boot, libc, systemd, microcode, dbus, …). */
  rebootRules(signal?: AbortSignal): Promise<RebootRule[]>;
  /**
   * The files each installed package owns, as paths inside the root (`/usr/lib/…`), from the
   * package database (dpkg's lists, rpm -ql, pacman's local db). Names not installed are absent.
   */
  packageFiles(names: readonly string[], signal?: AbortSignal): Promise<Map<string, string[]>>;
  /** The package manager's own reboot flag as it is now. */
  rebootFlag(signal?: AbortSignal): Promise<RebootFlag>;
}
