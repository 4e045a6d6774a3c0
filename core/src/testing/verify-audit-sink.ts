import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AuditRecord, AuditSink } from '../contracts/audit.js';
import { type ConformanceCheck, registerChecks } from './checks.js';

export interface VerifyAuditSinkOptions {
  /** Suite title (default `audit sink conformance`). */
  title?: string;
  /** Creates a fresh sink writing to the destination readRecords() reads. Called once per check. */
  createSink(): AuditSink | Promise<AuditSink>;
  /**
   * Reads back every record the sink's destination holds (the file's lines, the journal's entries,
   * the syslog socket's captured messages, …), parsed into objects. It must return everything
   * delivered so far: a reader behind a socket must first take in what is queued on it.
   */
  readRecords(): Promise<readonly Record<string, unknown>[]>;
  /** Runs after the last check. */
  dispose?(): void | Promise<void>;
}

type SinkSubject = Pick<VerifyAuditSinkOptions, 'createSink' | 'readRecords'>;

function auditRecord(marker: string, fields: Record<string, unknown> = {}): AuditRecord {
  return { event: 'api_request', timestamp: new Date().toISOString(), conformance_marker: marker, ...fields };
}

/** Whether `read` holds every field of `written` with an equal value (a sink may add fields). */
function holds(read: Record<string, unknown>, written: AuditRecord): boolean {
  return Object.entries(written).every(([key, value]) => {
    try {
      assert.deepEqual(read[key], value);
      return true;
    } catch {
      return false;
    }
  });
}

async function findWritten(subject: SinkSubject, written: AuditRecord): Promise<Record<string, unknown> | undefined> {
  const records = await subject.readRecords();
  return records.find((record) => record.conformance_marker === written.conformance_marker && holds(record, written));
}

/** One read decides: found as written, found altered, or not there. */
async function assertReadable(subject: SinkSubject, written: AuditRecord, when: string): Promise<void> {
  const sameMarker = (await subject.readRecords()).filter((record) => record.conformance_marker === written.conformance_marker);
  if (sameMarker.some((record) => holds(record, written))) return;
  assert.fail(
    sameMarker.length > 0
      ? `${when}: the record came back altered: ${JSON.stringify(sameMarker[0]).slice(0, 500)}`
      : `${when}: the record is not readable from the sink's destination`,
  );
}

/** The list of checks verifyAuditSink registers, for running them another way (see runChecks). */
export function auditSinkChecks(): ConformanceCheck<SinkSubject>[] {
  return [
    {
      name: 'the sink has a name, write() and close()',
      async run(subject) {
        const sink = await subject.createSink();
        try {
          assert.equal(typeof sink.name, 'string');
          assert.ok(sink.name.length > 0, 'the sink name is empty');
          assert.equal(typeof sink.write, 'function');
          assert.equal(typeof sink.close, 'function');
        } finally {
          await sink.close();
        }
      },
    },
    {
      name: 'a durable write resolves only once the record is readable',
      async run(subject) {
        const sink = await subject.createSink();
        try {
          const record = auditRecord(randomUUID(), { event: 'job_intent', job_id: randomUUID() });
          await sink.write(record, { durable: true });
          await assertReadable(subject, record, 'right after the durable write resolved');
        } finally {
          await sink.close();
        }
      },
    },
    {
      name: 'records written before close() are readable once close() resolves',
      async run(subject) {
        const sink = await subject.createSink();
        const records = Array.from({ length: 50 }, (_, index) => auditRecord(randomUUID(), { sequence: index }));
        await Promise.all(records.map((record) => sink.write(record, { durable: false })));
        await sink.close();
        const read = await subject.readRecords();
        const missing = records.filter((record) => !read.some((candidate) => holds(candidate, record)));
        assert.equal(missing.length, 0, `${missing.length} of ${records.length} records missing after close()`);
      },
    },
    {
      name: 'unicode, newlines, quotes and large fields round-trip unchanged',
      async run(subject) {
        const sink = await subject.createSink();
        try {
          const record = auditRecord(randomUUID(), {
            event: 'job_completed',
            unicode: 'ünïcödé ✓ 日本語 🚀 \u2028\u2029',
            newlines: 'first line\nsecond line\r\nthird\ttabbed',
            quotes: 'say "hi" \\ back\\slash \'single\'',
            large: 'x'.repeat(60_000),
            changes: [{ name: 'lpa-fixture-hello', action: 'installed', from_version: null, to_version: '1.0-1' }],
          });
          await sink.write(record, { durable: true });
          await assertReadable(subject, record, 'after a durable write');
        } finally {
          await sink.close();
        }
      },
    },
    {
      name: 'a write after close() rejects',
      async run(subject) {
        const sink = await subject.createSink();
        await sink.close();
        const record = auditRecord(randomUUID());
        await assert.rejects(
          Promise.resolve().then(() => sink.write(record, { durable: true })),
          'write after close must reject',
        );
        assert.equal(await findWritten(subject, record), undefined, 'a write after close reached the destination');
      },
    },
  ];
}

/**
 * The audit sink conformance kit. Registers a node:test suite (`describe`) with one test per check;
 * call it at the top level of a test file or inside a `describe`:
 *
 *     verifyAuditSink({
 *       createSink: () => definition.create({ logDir, retentionDays: 30, logger }),
 *       readRecords: async () => (await readFile(join(logDir, 'audit.log'), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line)),
 *     });
 *
 * Every check creates its own sink and marks its records with a unique `conformance_marker`
 * field, so the destination may be shared by all checks.
 */
export function verifyAuditSink(options: VerifyAuditSinkOptions): void {
  registerChecks(
    options.title ?? 'audit sink conformance',
    auditSinkChecks(),
    () => ({ createSink: options.createSink, readRecords: options.readRecords }),
    options.dispose ? () => options.dispose?.() : undefined,
  );
}
