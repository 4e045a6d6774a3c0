import type { AuditRecord, AuditSink, AuditWriteOptions, AuditWriteResult } from '@linux-patch-api/core';
import { formatSyslogMessage } from './syslog-message.js';
import { UnixDatagramSender } from './unix-datagram.js';

export const DEFAULT_SYSLOG_SOCKET = '/dev/log';
/** rsyslog's default $MaxMessageSize; syslog daemons cut longer messages themselves. */
export const DEFAULT_MAX_SYSLOG_BYTES = 8 * 1024;

export interface SyslogSinkOptions {
  socketPath?: string;
  maxMessageBytes?: number;
}

/** RFC 5424 messages to the local syslog socket, for hosts without journald (OpenRC, Alpine). */
export class SyslogSink implements AuditSink {
  readonly name = 'syslog';
  private readonly socketPath: string;
  private readonly maxMessageBytes: number;
  private readonly sender = new UnixDatagramSender();

  constructor(options: SyslogSinkOptions = {}) {
    this.socketPath = options.socketPath ?? DEFAULT_SYSLOG_SOCKET;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_SYSLOG_BYTES;
  }

  async write(record: AuditRecord, _options?: AuditWriteOptions): Promise<AuditWriteResult> {
    const { message, truncated } = formatSyslogMessage(record, this.maxMessageBytes);
    await this.sender.send(this.socketPath, message);
    return { truncated };
  }

  async close(): Promise<void> {
    this.sender.close();
  }
}
