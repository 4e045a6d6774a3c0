import type { AuditRecord } from '@linux-patch-api/core';

/** A record waiting for the sink's next write, with the settlement its caller awaits. */
export interface PendingLine {
  record: AuditRecord;
  durable: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Records handed to the file sink and not written yet, in the order they came. Once per event-loop
 * turn in which records were added, `onTurnEnd` runs (from setImmediate, after the turn's requests
 * have all recorded theirs); the writer then takes everything pending at that moment, so a busy
 * agent pays one write for a turn's records, and records that arrive while a write is still in
 * flight go out together with the next one.
 */
export class PendingLines {
  private lines: PendingLine[] = [];
  private turnEndScheduled = false;

  constructor(private readonly onTurnEnd: () => void) {}

  add(record: AuditRecord, durable: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.lines.push({ record, durable, resolve, reject });
      if (this.turnEndScheduled) return;
      this.turnEndScheduled = true;
      setImmediate(() => {
        this.turnEndScheduled = false;
        this.onTurnEnd();
      });
    });
  }

  /** Everything pending, oldest first; the queue is empty afterwards. */
  takeAll(): PendingLine[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
}
