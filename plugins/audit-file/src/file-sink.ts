import { existsSync } from 'node:fs';
import { chmod, type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AUDIT_SEAL_FILE,
  type AuditChainSeal,
  type AuditRecord,
  type AuditSink,
  type AuditWriteOptions,
  CHAIN_SEALING_EVENTS,
  CURRENT_AUDIT_FILE,
  chainAuditLine,
  hashAuditLine,
  type Logger,
  parseRotatedAuditFileName,
  rotatedAuditFileName,
} from '@linux-patch-api/core';
import { gzipFile } from './compress.js';
import { type PendingLine, PendingLines } from './pending-lines.js';
import { applyRetention, utcDay } from './retention.js';
import { countLines, readLastLineOfGzip, repairTailAndReadLastLine } from './tail.js';

export interface FileSinkOptions {
  /** `paths.log_dir`: audit.log and its rotated .gz files live here (created 0700 when missing). */
  logDir: string;
  /** `audit.retention_days`. */
  retentionDays: number;
  logger?: Logger;
  /** The time used for rotation and retention; injectable for tests. */
  clock?: () => Date;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const ROTATION_RETRY_MS = 5 * 60 * 1000;

/**
 * JSON lines in `log_dir/audit.log` (0600), one record per line, each carrying `prev_hash`.
 *
 * Writes are serialised, so records keep their order and the hash chain its links. Records that
 * arrive in the same event-loop turn (or while the previous write is in flight) are chained in order
 * and appended with one write. A line is acknowledged only when all of its bytes are in the file (a
 * short write on a full disk is rolled back, never left half), and a durable write resolves after
 * an fsync that also covers every record written before it. When the UTC day changes,
 * audit.log is compressed to `audit-YYYY-MM-DD.log.gz` before the next line is written (and at the
 * first midnight check while idle), then files older than the retention are deleted.
 *
 * The chain head is sealed: an `agent_stop` or `chain_checkpoint` line carries `head_hash` (the hash
 * of the line before it) and `records` (the lines before it in audit.log); once it is on disk,
 * `audit.seal` names it, so `audit verify` reports lines cut off the end. A checkpoint right after
 * another seal (nothing new to seal) is not written.
 */
export class FileAuditSink implements AuditSink {
  readonly name = 'file';
  private readonly logDir: string;
  private readonly path: string;
  private readonly retentionDays: number;
  private readonly logger: Logger | undefined;
  private readonly clock: () => Date;
  private handle: FileHandle | null = null;
  private size = 0;
  /** UTC day of the records in audit.log; null while it is empty. */
  private fileDay: string | null = null;
  private lastHash: string | null = null;
  /** Lines in audit.log, and the event of the last one. */
  private lines = 0;
  private lastEvent: string | null = null;
  private directorySynced = false;
  /** After a rollback failed: the size audit.log had before the failed write, to cut it back to on reopening. */
  private cutBackTo: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new PendingLines(() => {
    this.enqueue(() => this.writePending()).catch((error) =>
      this.logger?.error({ err: error }, 'audit file: batch write failed'),
    );
  });
  private midnightTimer: NodeJS.Timeout | null = null;
  /** After a failed rotation, when (by the clock) to try again. */
  private rotationRetryAt = 0;
  private closed = false;

  private constructor(options: FileSinkOptions) {
    this.logDir = options.logDir;
    this.path = join(options.logDir, CURRENT_AUDIT_FILE);
    this.retentionDays = options.retentionDays;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
  }

  static async open(options: FileSinkOptions): Promise<FileAuditSink> {
    const sink = new FileAuditSink(options);
    await sink.enqueue(async () => {
      const created = await mkdir(sink.logDir, { recursive: true, mode: 0o700 });
      // A directory we create is ours: 0700 exactly (mkdir's mode passes through the umask). One
      // that exists keeps its mode; the files in it are 0600 either way.
      if (created !== undefined) await chmod(sink.logDir, 0o700);
      await sink.reopen();
      await sink.expireOldFiles();
    });
    sink.armMidnightCheck();
    return sink;
  }

  /** Overlapping write() calls keep their order here, so the core need not wait for each one. */
  readonly pipelinesWrites = true;

  write(record: AuditRecord, options: AuditWriteOptions): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the audit file sink is closed'));
    return this.pending.add(record, options.durable);
  }

  /** Writes what is still pending, then closes the file; later writes reject. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.midnightTimer !== null) clearTimeout(this.midnightTimer);
    await this.enqueue(async () => {
      await this.writePending();
      await this.handle?.close();
      this.handle = null;
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => {});
    return result;
  }

  /** Writes every pending record; settles each one's promise and never throws. */
  private async writePending(): Promise<void> {
    const batch = this.pending.takeAll();
    if (batch.length > 0) await this.writeBatch(batch);
  }

  /**
   * One write for the whole batch, then (if any record in it is durable) one fsync before the durable
   * records resolve. When the write fails and was rolled back, nothing of the batch is in the file:
   * the records are then written one by one, so that only a record that truly does not fit (a full
   * disk) is refused, exactly as if each had been written alone.
   */
  private async writeBatch(batch: readonly PendingLine[]): Promise<void> {
    try {
      await this.append(batch.map((line) => line.record));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const line of batch) await this.writeBatch([line]);
      return;
    }
    for (const line of batch) if (!line.durable) line.resolve();
    const durable = batch.filter((line) => line.durable);
    if (durable.length === 0) return;
    try {
      await this.syncToDisk();
    } catch (error) {
      for (const line of durable) line.reject(error);
      return;
    }
    for (const line of durable) line.resolve();
  }

  /** Appends the records as chained lines with one write, all or nothing. */
  private async append(records: readonly AuditRecord[]): Promise<void> {
    if (this.handle === null) await this.reopen();
    const today = utcDay(this.clock());
    if (this.fileDay !== null && this.fileDay !== today) await this.rotate();
    const handle = this.handle!;
    let lastHash = this.lastHash;
    let lines = this.lines;
    let lastEvent = this.lastEvent;
    let seal: AuditChainSeal | null = null;
    let text = '';
    for (const record of records) {
      const seals = CHAIN_SEALING_EVENTS.has(record.event);
      if (record.event === 'chain_checkpoint' && lastEvent !== null && CHAIN_SEALING_EVENTS.has(lastEvent)) continue;
      const line = chainAuditLine(seals ? { ...record, head_hash: lastHash, records: lines } : record, lastHash);
      lastHash = hashAuditLine(line);
      lines += 1;
      lastEvent = record.event;
      if (seals) seal = { records: lines, head_hash: lastHash, timestamp: record.timestamp };
      text += `${line}\n`;
    }
    const bytes = Buffer.from(text, 'utf8');
    try {
      for (let written = 0; written < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        written += bytesWritten;
      }
    } catch (error) {
      await this.rollBack();
      throw error;
    }
    this.size += bytes.length;
    this.lastHash = lastHash;
    this.lines = lines;
    this.lastEvent = lastEvent;
    this.fileDay ??= today;
    if (seal !== null) await this.writeSeal(seal);
  }

  /** Syncs audit.log, then replaces audit.seal atomically; a seal that cannot be written is logged. */
  private async writeSeal(seal: AuditChainSeal): Promise<void> {
    const target = join(this.logDir, AUDIT_SEAL_FILE);
    const temporary = `${target}.tmp`;
    try {
      await this.syncToDisk();
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(seal)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, target);
      await syncDirectory(this.logDir);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      this.logger?.error({ err: error }, 'audit file: the chain seal could not be written');
    }
  }

  private async syncToDisk(): Promise<void> {
    await this.handle!.sync();
    if (!this.directorySynced) {
      await syncDirectory(this.logDir);
      this.directorySynced = true;
    }
  }

  /**
   * Cuts partly written lines off again; if even that fails, the file is reopened on the next write
   * and cut back then, so that no line of a failed write stays (not even a complete one of a batch).
   */
  private async rollBack(): Promise<void> {
    try {
      await this.handle!.truncate(this.size);
    } catch (error) {
      this.logger?.error({ err: error }, 'audit file: could not roll back a partial write; reopening');
      this.cutBackTo = this.size;
      await this.handle!.close().catch(() => {});
      this.handle = null;
    }
  }

  /** Opens audit.log for appending; `chainHead` is the last hash when the caller knows it (right after a rotation). */
  private async reopen(chainHead?: string | null): Promise<void> {
    const handle = await open(this.path, 'a+', 0o600);
    try {
      await handle.chmod(0o600);
      if (this.cutBackTo !== null && (await handle.stat()).size > this.cutBackTo) await handle.truncate(this.cutBackTo);
      this.cutBackTo = null;
      const { size, lastLine } = await repairTailAndReadLastLine(handle);
      this.size = size;
      this.lines = size === 0 ? 0 : await countLines(handle, size);
      this.lastEvent = lastLine === null ? null : eventOf(lastLine);
      this.fileDay = lastLine === null ? null : (dayOf(lastLine) ?? utcDay((await handle.stat()).mtime));
      if (lastLine !== null) this.lastHash = hashAuditLine(lastLine);
      else this.lastHash = chainHead !== undefined ? chainHead : await this.lastHashOfRotatedFiles();
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
    this.directorySynced = false;
  }

  private async lastHashOfRotatedFiles(): Promise<string | null> {
    const rotated = (await readdir(this.logDir))
      .map(parseRotatedAuditFileName)
      .filter((file) => file !== null)
      .sort((a, b) => (a.date === b.date ? a.index - b.index : a.date < b.date ? -1 : 1));
    const newest = rotated.at(-1);
    if (newest === undefined) return null;
    const lastLine = await readLastLineOfGzip(join(this.logDir, newest.name));
    return lastLine === null ? null : hashAuditLine(lastLine);
  }

  /**
   * audit.log → audit-DAY.log.gz, then a fresh audit.log. If compressing fails (e.g. the disk is
   * full) audit.log is kept and written on, and rotation is tried again a few minutes later (not
   * at every record: each try reads the whole day's file).
   */
  private async rotate(): Promise<void> {
    const now = this.clock().getTime();
    if (now < this.rotationRetryAt) return;
    const day = this.fileDay!;
    let index = 1;
    while (existsSync(join(this.logDir, rotatedAuditFileName(day, index)))) index += 1;
    const target = join(this.logDir, rotatedAuditFileName(day, index));
    try {
      await this.handle?.sync();
      await gzipFile(this.path, target);
    } catch (error) {
      this.rotationRetryAt = now + ROTATION_RETRY_MS;
      this.logger?.error({ err: error, file: target }, 'audit file: rotation failed; still writing audit.log');
      return;
    }
    await this.handle?.close();
    this.handle = null;
    try {
      await unlink(this.path);
    } catch (error) {
      // The day is still in audit.log: drop the copy, so no record ends up in two files.
      await unlink(target).catch(() => {});
      this.rotationRetryAt = now + ROTATION_RETRY_MS;
      this.logger?.error({ err: error }, 'audit file: could not remove the rotated audit.log; still writing it');
      await this.reopen();
      return;
    }
    this.rotationRetryAt = 0;
    await this.reopen(this.lastHash);
    await syncDirectory(this.logDir);
    this.logger?.info({ file: target }, 'audit file rotated');
    await this.expireOldFiles();
  }

  private async expireOldFiles(): Promise<void> {
    try {
      const deleted = await applyRetention(this.logDir, this.retentionDays, this.clock());
      if (deleted.length > 0) this.logger?.info({ deleted }, 'audit files past retention deleted');
    } catch (error) {
      this.logger?.error({ err: error }, 'audit file retention failed');
    }
  }

  /** An idle agent still rotates: one unref'd timer checks shortly after each UTC midnight. */
  private armMidnightCheck(): void {
    if (this.closed) return;
    const now = this.clock();
    const nextMidnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 0, 0, 1);
    this.midnightTimer = setTimeout(
      () => {
        void this.enqueue(async () => {
          if (this.fileDay !== null && this.fileDay !== utcDay(this.clock())) await this.rotate();
        })
          .catch((error) => this.logger?.error({ err: error }, 'audit file: midnight rotation failed'))
          .finally(() => this.armMidnightCheck());
      },
      Math.min(Math.max(nextMidnight - now.getTime(), 1000), MAX_TIMER_MS),
    );
    this.midnightTimer.unref();
  }
}

function eventOf(line: string): string | null {
  try {
    const event = (JSON.parse(line) as { event?: unknown }).event;
    return typeof event === 'string' ? event : null;
  } catch {
    return null;
  }
}

/** The UTC day of a line's record, from its timestamp. */
function dayOf(line: string): string | null {
  try {
    const timestamp = (JSON.parse(line) as { timestamp?: unknown }).timestamp;
    if (typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp))) return utcDay(new Date(timestamp));
  } catch {
    return null;
  }
  return null;
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
