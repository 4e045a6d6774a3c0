import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';

interface UnixDgramSocket {
  send(buffer: Buffer, offset: number, length: number, path: string, callback: (error?: Error) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}

interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

const require = createRequire(import.meta.url);
let addon: UnixDgramModule | Error | undefined;

/**
 * Loads the unix-dgram addon on first use rather than at import: a package built for another C
 * library (glibc vs musl) then makes these sinks unavailable, instead of making the plugin, and
 * with it the agent's start, fail.
 */
function loadUnixDgram(): UnixDgramModule {
  if (addon === undefined) {
    try {
      addon = require('unix-dgram') as UnixDgramModule;
    } catch (error) {
      addon = error instanceof Error ? error : new Error(String(error));
    }
  }
  if (addon instanceof Error) throw new Error(`the unix-dgram addon cannot be loaded: ${addon.message}`);
  return addon;
}

/** Whether datagram sockets can be opened here (the native addon loads). */
export function unixDatagramAvailable(): boolean {
  try {
    loadUnixDgram();
    return true;
  } catch {
    return false;
  }
}

/** unix-dgram reports errno as a negative number in `code`. */
function errnoOf(error: unknown): number | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? -code : null;
}

export function isMessageTooLong(error: unknown): boolean {
  return (error as { errno?: unknown } | null)?.errno === constants.errno.EMSGSIZE;
}

const RETRYABLE = new Set([constants.errno.EAGAIN, constants.errno.EWOULDBLOCK, constants.errno.ENOBUFS]);
const MAX_BUSY_RETRIES = 100;

/**
 * An unconnected AF_UNIX datagram socket (the unix-dgram addon; no process per record). Each send
 * names the peer path, so a restarted journald or syslog daemon is reached without reconnecting.
 * A datagram the peer's queue cannot take yet is retried for a bounded time, then rejected.
 */
export class UnixDatagramSender {
  private readonly socket: UnixDgramSocket;
  private closed = false;

  constructor() {
    this.socket = loadUnixDgram().createSocket('unix_dgram');
    this.socket.on('error', () => {});
  }

  async send(path: string, datagram: Buffer): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      if (this.closed) throw new Error('audit socket closed');
      const error = await new Promise<Error | undefined>((resolve) => {
        this.socket.send(datagram, 0, datagram.length, path, resolve);
      });
      if (error === undefined) return;
      const errno = errnoOf(error);
      if (errno === null || !RETRYABLE.has(errno) || attempt >= MAX_BUSY_RETRIES) throw describe(error, path);
      await delay(10);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

function describe(error: Error, path: string): Error {
  const errno = errnoOf(error);
  const name = errno === null ? undefined : Object.entries(constants.errno).find(([, value]) => value === errno)?.[0];
  const wrapped = new Error(`sending to ${path} failed: ${name ?? error.message}`, { cause: error });
  return Object.assign(wrapped, { errno: errno ?? undefined, code: name });
}
