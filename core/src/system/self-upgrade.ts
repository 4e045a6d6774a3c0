import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../contracts/logger.js';
import { LpaError } from '../errors.js';
import type { AgentHooks } from '../hooks.js';

/**
 * Safe self-upgrade. When a job upgrades the agent's own package, the package's maintainer script
 * would restart the service, and the service manager would kill the job's package manager with
 * it, half-way through the transaction. Instead:
 *
 * 1. Right before a mutating job runs the package manager (under its lock), the agent writes
 *    `state_dir/state/mutation-in-progress` holding its pid and the job id.
 * 2. The package's maintainer scripts (packaging/templates/maintainer/self-upgrade.sh) see a live
 *    pid there and, instead of restarting the service, leave `state_dir/state/restart-pending`.
 * 3. When the last mutating job has finished (its outcome persisted and sent to the audit trail),
 *    the marker is removed and, if a restart was requested, `onRestartDue` runs: the agent stops
 *    cleanly (flushing the audit trail) and exits with SELF_RESTART_EXIT_CODE, which the systemd
 *    unit (RestartForceExitStatus=) and OpenRC's supervise-daemon answer with a restart.
 *
 * A restart asked for while no agent job runs (an administrator's own upgrade) is done by the
 * maintainer script itself, as usual.
 */
export const SELF_RESTART_EXIT_CODE = 75;
export const MUTATION_MARKER_FILE = 'mutation-in-progress';
export const RESTART_REQUEST_FILE = 'restart-pending';

const TAP_NAME = 'linux-patch-api:self-upgrade';

export interface SelfUpgradeGuardOptions {
  /** `paths.state_dir`; the marker files live in its `state/` subdirectory. */
  stateDir: string;
  logger: Logger;
  /** Called once, after the last mutating job finished, when a package asked for a restart. */
  onRestartDue: () => void;
  /** The pid written to the marker (default: this process). */
  pid?: number;
}

export class SelfUpgradeGuard {
  readonly #options: SelfUpgradeGuardOptions;
  readonly #markerDir: string;
  readonly #activeJobs = new Set<string>();
  /** Marker writes and removals run one after another, in the order the jobs asked. */
  #queue: Promise<void> = Promise.resolve();
  #restartAnnounced = false;

  constructor(options: SelfUpgradeGuardOptions) {
    this.#options = options;
    this.#markerDir = join(options.stateDir, 'state');
  }

  get markerPath(): string {
    return join(this.#markerDir, MUTATION_MARKER_FILE);
  }

  get restartRequestPath(): string {
    return join(this.#markerDir, RESTART_REQUEST_FILE);
  }

  /**
   * At agent start: this process already runs the installed code, so a restart request or a
   * marker left by the previous process is stale.
   */
  async start(): Promise<void> {
    await mkdir(this.#markerDir, { recursive: true, mode: 0o700 });
    const handled = existsSync(this.restartRequestPath);
    await rm(this.restartRequestPath, { force: true });
    await rm(this.markerPath, { force: true });
    if (handled) this.#options.logger.info('started after a self-upgrade restart');
  }

  /**
   * The job manager calls mutationStarting before it runs the package manager; onJobUpdate
   * `finished` ends the mutation.
   */
  attach(hooks: AgentHooks): void {
    hooks.onJobUpdate.tap(TAP_NAME, (job, kind) => {
      if (kind === 'finished') void this.mutationFinished(job.id);
    });
  }

  /**
   * Rejects with LPA_ERR_STATE_UNAVAILABLE when the marker cannot be written: the job must then
   * not run, since a self-upgrade would restart the service under it.
   */
  mutationStarting(jobId: string): Promise<void> {
    this.#activeJobs.add(jobId);
    const written = this.#queue.then(() => this.#writeMarker(jobId));
    this.#queue = written.catch(() => {});
    return written.catch((error: unknown) => {
      this.#activeJobs.delete(jobId);
      this.#options.logger.error({ err: error, job_id: jobId }, 'self-upgrade marker could not be written');
      throw new LpaError(
        'LPA_ERR_STATE_UNAVAILABLE',
        `the self-upgrade marker cannot be written (${error instanceof Error ? error.message : String(error)}), so nothing was started`,
        { details: { path: this.markerPath }, retryAfter: 30, cause: error },
      );
    });
  }

  /** Resolves once the marker is gone (when no other mutation runs) and a due restart was announced. */
  mutationFinished(jobId: string): Promise<void> {
    if (!this.#activeJobs.delete(jobId)) return this.#queue;
    return this.#serialise(async () => {
      if (this.#activeJobs.size > 0) return;
      await rm(this.markerPath, { force: true });
      if (!existsSync(this.restartRequestPath) || this.#restartAnnounced) return;
      this.#restartAnnounced = true;
      this.#options.logger.info(
        { job_id: jobId },
        'a package upgraded by a job asked for the agent to restart; restarting now that the job is recorded',
      );
      this.#options.onRestartDue();
    });
  }

  async #writeMarker(jobId: string): Promise<void> {
    await mkdir(this.#markerDir, { recursive: true, mode: 0o700 });
    const temporary = `${this.markerPath}.${process.pid}.tmp`;
    try {
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(`${this.#options.pid ?? process.pid} ${jobId}\n`);
        await handle.chmod(0o600);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.markerPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const directory = await open(this.#markerDir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  #serialise(step: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(step).catch((error: unknown) => {
      this.#options.logger.error({ err: error }, 'self-upgrade marker could not be updated');
    });
    this.#queue = next;
    return next;
  }
}
