import type { AuditEventName } from '../contracts/audit.js';
import type { Logger } from '../contracts/logger.js';
import type { AuditTrail } from './trail.js';

/** A trail that can take a record made earlier, keeping its time. */
export interface TimedAuditTrail extends AuditTrail {
  record(event: AuditEventName, fields?: Record<string, unknown>, at?: Date): void;
}

type Opener = () => Promise<TimedAuditTrail>;

/**
 * The agent's audit trail across config reloads: when `audit.sinks`, `audit.retention_days` or
 * `paths.log_dir` change, the sinks are replaced while the agent runs. The old sinks are flushed and
 * closed before the new ones open (so one file never has two writers); records made meanwhile are
 * held with their time and then written to the new sinks in order, and durable records wait.
 * If the new settings cannot be opened (e.g. a sink name no plugin provides), the previous ones are
 * opened again.
 */
export class ReopenableAuditTrail implements AuditTrail {
  private current: TimedAuditTrail;
  private switching: Promise<boolean> | null = null;
  private held: Array<{ event: AuditEventName; fields: Record<string, unknown>; at: Date }> = [];

  constructor(
    initial: TimedAuditTrail,
    private readonly logger: Logger,
  ) {
    this.current = initial;
  }

  record(event: AuditEventName, fields: Record<string, unknown> = {}): void {
    if (this.switching !== null) this.held.push({ event, fields, at: new Date() });
    else this.current.record(event, fields);
  }

  async recordDurable(event: AuditEventName, fields: Record<string, unknown> = {}): Promise<void> {
    while (this.switching !== null) await this.switching;
    await this.current.recordDurable(event, fields);
  }

  async flush(): Promise<void> {
    while (this.switching !== null) await this.switching;
    await this.current.flush();
  }

  async close(): Promise<void> {
    while (this.switching !== null) await this.switching;
    await this.current.close();
  }

  /**
   * Replaces the sinks with what `open` returns, or with what `reopenPrevious` returns when `open`
   * fails. Resolves true when the new settings are in force.
   */
  async reopen(open: Opener, reopenPrevious: Opener): Promise<boolean> {
    while (this.switching !== null) await this.switching;
    const switching = this.switchTo(open, reopenPrevious);
    this.switching = switching;
    return switching;
  }

  private async switchTo(open: Opener, reopenPrevious: Opener): Promise<boolean> {
    let applied = false;
    try {
      await this.current.flush();
      await this.current.close();
      try {
        this.current = await open();
        applied = true;
      } catch (error) {
        this.logger.error({ err: error }, 'the new audit settings cannot be opened; the previous ones stay');
        this.current = await reopenPrevious();
      }
    } catch (error) {
      this.logger.error({ err: error }, 'reopening the audit sinks failed');
    } finally {
      const held = this.held;
      this.held = [];
      this.switching = null;
      for (const { event, fields, at } of held) this.current.record(event, fields, at);
    }
    return applied;
  }
}
