import { statSync } from 'node:fs';
import { definePlugin } from '@linux-patch-api/core';
import { DEFAULT_JOURNALD_SOCKET, JournaldSink } from './journald-sink.js';
import { DEFAULT_SYSLOG_SOCKET, SyslogSink } from './syslog-sink.js';
import { unixDatagramAvailable } from './unix-datagram.js';

export { buildJournalEntry, encodeJournalField, SYSLOG_IDENTIFIER, TRUNCATION_MARKER } from './journal-entry.js';
export { JournaldSink, type JournaldSinkOptions } from './journald-sink.js';
export { escapeSdValue, formatSyslogMessage, SD_ID } from './syslog-message.js';
export { SyslogSink, type SyslogSinkOptions } from './syslog-sink.js';

export interface AuditJournaldOptions {
  /** Default: $LPA_JOURNALD_SOCKET, else /run/systemd/journal/socket. */
  journald_socket?: string;
  /** Default: $LPA_SYSLOG_SOCKET, else /dev/log. */
  syslog_socket?: string;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

export default definePlugin<AuditJournaldOptions>({
  name: '@linux-patch-api/audit-journald',
  apiVersion: '^1.0.0',
  apply(host, options = {}) {
    const journaldSocket = options.journald_socket ?? process.env.LPA_JOURNALD_SOCKET ?? DEFAULT_JOURNALD_SOCKET;
    const syslogSocket = options.syslog_socket ?? process.env.LPA_SYSLOG_SOCKET ?? DEFAULT_SYSLOG_SOCKET;
    host.registerAuditSink({
      name: 'journald',
      priority: 20,
      available: () => unixDatagramAvailable() && isSocket(journaldSocket),
      create: () => new JournaldSink({ socketPath: journaldSocket }),
    });
    host.registerAuditSink({
      name: 'syslog',
      priority: 10,
      available: () => unixDatagramAvailable() && isSocket(syslogSocket),
      create: () => new SyslogSink({ socketPath: syslogSocket }),
    });
  },
});
