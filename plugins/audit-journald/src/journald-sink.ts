import type { AuditRecord, AuditSink, AuditWriteOptions, AuditWriteResult } from '@linux-patch-api/core';
import { buildJournalEntry } from './journal-entry.js';
import { isMessageTooLong, UnixDatagramSender } from './unix-datagram.js';

export const DEFAULT_JOURNALD_SOCKET = '/run/systemd/journal/socket';
/** Well under the default socket send buffer (wmem_default, ~208 KiB) so a datagram is never refused for size. */
export const DEFAULT_MAX_DATAGRAM_BYTES = 64 * 1024;
const SMALL_DATAGRAM_BYTES = 16 * 1024;

export interface JournaldSinkOptions {
  socketPath?: string;
  maxDatagramBytes?: number;
}

/**
 * Writes each record as one journald native-protocol datagram. A datagram accepted by the socket is
 * in journald's hands, which is what a durable write waits for.
 */
export class JournaldSink implements AuditSink {
  readonly name = 'journald';
  private readonly socketPath: string;
  private readonly maxDatagramBytes: number;
  private readonly sender = new UnixDatagramSender();

  constructor(options: JournaldSinkOptions = {}) {
    this.socketPath = options.socketPath ?? DEFAULT_JOURNALD_SOCKET;
    this.maxDatagramBytes = options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
  }

  async write(record: AuditRecord, _options?: AuditWriteOptions): Promise<AuditWriteResult> {
    const entry = buildJournalEntry(record, this.maxDatagramBytes);
    try {
      await this.sender.send(this.socketPath, entry.datagram);
      return { truncated: entry.truncated };
    } catch (error) {
      if (!isMessageTooLong(error)) throw error;
      // The host's socket buffer is smaller than our limit: send a smaller cut instead of nothing.
      const smaller = buildJournalEntry(record, SMALL_DATAGRAM_BYTES);
      await this.sender.send(this.socketPath, smaller.datagram);
      return { truncated: smaller.truncated };
    }
  }

  async close(): Promise<void> {
    this.sender.close();
  }
}
