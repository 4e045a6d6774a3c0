/** Where a rollback can take an earlier version from (SPEC §12.6). */
export type RollbackSource = 'repo' | 'cache' | 'store';

/** Why the package manager may keep an update back (SPEC §12.4). */
export type HeldBackReason = 'held' | 'pinned' | 'phased' | 'dependency' | 'ignored' | 'policy';

/**
 * What a backend can do, declared through the plugin API (SPEC §12.1). The core refuses a request
 * for a feature declared false with 409 NOT_SUPPORTED before any process starts, so a flag must
 * be true only when the backend really does it (the conformance kit checks this).
 */
export interface BackendCapabilities {
  operations: {
    /** POST /packages with a `version`. */
    install: { version_pin: boolean; dry_run: boolean };
    /** PUT /packages/{name} with a `version` below the installed one. */
    update: { downgrade: boolean; dry_run: boolean };
    /** Whether removing a package also removes what depends on it (else the removal is refused). */
    remove: { cascade: boolean; dry_run: boolean };
    patch_apply: {
      /** A list of names that is not every upgradable package. */
      selected: boolean;
      security_only: boolean;
      /** `{"packages":[{"name","version"}]}` (SPEC §12.3). */
      pinned_versions: boolean;
      dry_run: boolean;
    };
    rollback: { sources: RollbackSource[] };
    /** GET /deployments (atomic hosts). */
    deployments: boolean;
  };
  /**
   * Which advisory fields of GET /patches this distribution fills. `cves`, `url`, `issued` and
   * `feeds` (the config keys of `advisories` it reads) are optional: absent means false / none.
   */
  advisories: {
    security: boolean;
    severity: boolean;
    advisory_ids: boolean;
    cves?: boolean;
    url?: boolean;
    issued?: boolean;
    feeds?: string[];
  };
  held_back_reasons: HeldBackReason[];
  reboot_forecast: boolean;
}

/**
 * What the core assumes of a backend written against plugin API 1.0, which declares nothing: the
 * features the 1.0 interface already required (versioned installs, which rollback relies on for
 * downgrades; name lists and security_only; the plan* methods behind dry runs), and nothing more.
 */
export const DEFAULT_BACKEND_CAPABILITIES: Readonly<BackendCapabilities> = Object.freeze({
  operations: {
    install: { version_pin: true, dry_run: true },
    update: { downgrade: true, dry_run: true },
    remove: { cascade: false, dry_run: true },
    patch_apply: { selected: true, security_only: true, pinned_versions: false, dry_run: true },
    rollback: { sources: ['repo'] as RollbackSource[] },
    deployments: false,
  },
  advisories: { security: false, severity: false, advisory_ids: false },
  held_back_reasons: [] as HeldBackReason[],
  reboot_forecast: false,
});

/** A backend's declared capabilities, or the 1.0 defaults when it declares none. */
export function capabilitiesOf(backend: { capabilities?(): BackendCapabilities }): BackendCapabilities {
  return backend.capabilities?.() ?? structuredClone(DEFAULT_BACKEND_CAPABILITIES as BackendCapabilities);
}
