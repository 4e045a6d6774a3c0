import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AuditTrail } from '../../audit/trail.js';
import { type FileWatch, watchFiles } from '../../config/watch.js';
import { LpaError, toLpaError } from '../../errors.js';
import { crlCondition, crlRegression, loadTlsMaterial, type TlsMaterial, type TlsPaths } from './material.js';

export interface TlsMaterialEvents {
  /** Validated new material: (next, previous). */
  change: [TlsMaterial, TlsMaterial];
}

function samePaths(a: TlsPaths, b: TlsPaths): boolean {
  return a.ca === b.ca && a.cert === b.cert && a.key === b.key && a.crl === b.crl;
}

/**
 * Holds the server's TLS material and swaps it when the CA, certificate, key or CRL file changes
 * (or the config points at other files). Every change is validated first; a bad file is logged
 * and audited (`cert_reload`, accepted: false) and the old material stays in force.
 */
export class TlsMaterialManager extends EventEmitter<TlsMaterialEvents> {
  private material: TlsMaterial;
  private watch: FileWatch | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private lastRefusal: string | null = null;

  constructor(
    initial: TlsMaterial,
    private readonly logger: Logger,
    private readonly audit: () => AuditTrail,
  ) {
    super();
    this.material = initial;
  }

  current(): TlsMaterial {
    return this.material;
  }

  startWatching(debounceMs = 200): void {
    this.watch?.close();
    const { ca, cert, key, crl } = this.material.paths;
    this.watch = watchFiles(crl === null ? [ca, cert, key] : [ca, cert, key, crl], () => void this.reload(), debounceMs);
  }

  /** Points at other files (after a config change) and loads them; the old ones stay on failure. */
  usePaths(paths: TlsPaths): Promise<void> {
    if (samePaths(paths, this.material.paths)) return Promise.resolve();
    return this.reload(paths);
  }

  reload(paths: TlsPaths = this.material.paths): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadOnce(paths));
    return this.reloading;
  }

  private async reloadOnce(paths: TlsPaths): Promise<void> {
    const previous = this.material;
    let next: TlsMaterial;
    try {
      next = await loadTlsMaterial(paths);
      const regression = crlRegression(next, previous);
      if (regression !== null) throw new LpaError('LPA_ERR_TLS_MATERIAL', regression);
    } catch (thrown) {
      const reason = toLpaError(thrown, 'LPA_ERR_TLS_MATERIAL').message;
      // One deployment often fires several file events: the same refusal is reported once.
      if (reason === this.lastRefusal) return;
      this.lastRefusal = reason;
      this.logger.error({ reason }, 'TLS material change refused; the previous certificate, key, CA and CRL stay in force');
      this.audit().record('cert_reload', { accepted: false, reason });
      return;
    }
    this.lastRefusal = null;
    if (JSON.stringify(next.contextOptions) === JSON.stringify(previous.contextOptions) && samePaths(paths, previous.paths))
      return;
    this.material = next;
    if (!samePaths(paths, previous.paths) && this.watch !== null) this.startWatching();
    const condition = crlCondition(next);
    const fields = {
      accepted: true,
      server_fingerprint: next.serverCertificate.fingerprint256,
      server_not_after: new Date(next.serverCertificate.validTo).toISOString(),
      revoked_count: next.revokedSerials.size,
      crl_next_update: next.crlNextUpdate?.toISOString() ?? null,
      ...(condition === null ? {} : { condition }),
    };
    if (condition === null) this.logger.info(fields, 'TLS material reloaded');
    else this.logger.warn(fields, 'TLS material reloaded with a CRL past its nextUpdate');
    this.audit().record('cert_reload', fields);
    this.emit('change', next, previous);
  }

  close(): void {
    this.watch?.close();
    this.watch = null;
  }
}
