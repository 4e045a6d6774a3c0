import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { createAuditTrail, type FanOutAuditTrail } from '../../../core/src/audit/fan-out.js';
import { listAuditFiles, verifyAuditFiles } from '../../../core/src/audit/verify.js';
import { createMemoryLogger, type MemoryLogger } from '../../../core/src/testing/memory-logger.js';
import { mountSmallFileSystem, type SmallFileSystem } from '../../../test/support/full-disk.js';
import { FileAuditSink } from '../src/index.js';
import { readLines } from './helpers.js';
import { temporaryDirectory } from './temporary-directory.js';

// The file sink is the only sink, on a 64 KiB tmpfs that is then filled. Records that cannot be
// written are not dropped silently: they are logged and held, and written once there is room again;
// beyond the held-record limit they are counted in an audit_records_lost record.

const bulky = 'x'.repeat(6000);

async function withFullDisk(
  t: TestContext,
  heldRecordLimit: number,
  exercise: (audit: FanOutAuditTrail, disk: SmallFileSystem, logDir: string, logger: MemoryLogger) => Promise<void>,
): Promise<void> {
  const dir = await temporaryDirectory(t);
  const disk = await mountSmallFileSystem(join(dir, 'small'));
  try {
    const logDir = join(disk.mountPoint, 'log');
    const file = await FileAuditSink.open({ logDir, retentionDays: 30 });
    const logger = createMemoryLogger();
    const agent = { hostname: 'h', version: '1.0.0' };
    const audit = createAuditTrail({ sinks: [file], fallback: file, agent, logger, heldRecordLimit });
    try {
      audit.record('agent_start', {});
      await audit.flush();
      await disk.fill();
      // Each larger than the room left in audit.log's last page.
      for (let n = 0; n < 5; n += 1) audit.record('api_request', { n, bulky });
      audit.record('config_reload', { accepted: true, bulky });
      await audit.flush();
      assert.ok(
        logger.entries.some((entry) => /no sink could take/.test(entry.message) && entry.level === 'error'),
        'the loss is logged',
      );
      await exercise(audit, disk, logDir, logger);
      assert.equal((await verifyAuditFiles(await listAuditFiles(logDir))).ok, true);
    } finally {
      await audit.close();
    }
  } finally {
    disk.unmount();
  }
}

const eventsIn = async (logDir: string) =>
  (await readLines(join(logDir, 'audit.log'))).map((line) => JSON.parse(line) as Record<string, unknown>);

test('records refused on ENOSPC are held and written once there is room, with their own timestamps', async (t) => {
  await withFullDisk(t, 100, async (audit, disk, logDir) => {
    await disk.free();
    audit.record('api_request', { n: 'after' });
    await audit.flush();
    const records = await eventsIn(logDir);
    assert.deepEqual(
      records.map((r) => `${r.event} ${r.n ?? ''}`),
      [
        'agent_start ',
        'api_request after',
        'api_request 0',
        'api_request 1',
        'api_request 2',
        'api_request 3',
        'api_request 4',
        'config_reload ',
      ],
    );
    assert.ok(String(records[2]!.timestamp) <= String(records[1]!.timestamp), 'a late record keeps its time');
  });
});

test('beyond the held-record limit the records are counted in one audit_records_lost record', async (t) => {
  await withFullDisk(t, 2, async (audit, disk, logDir) => {
    await disk.free();
    audit.record('api_request', { n: 'after' });
    await audit.flush();
    const records = await eventsIn(logDir);
    assert.deepEqual(
      records.map((r) => r.event),
      ['agent_start', 'api_request', 'api_request', 'api_request', 'audit_records_lost'],
    );
    const lost = records[4]!;
    assert.equal(lost.count, 4);
    assert.deepEqual(lost.events, { api_request: 3, config_reload: 1 });
    assert.ok(String(lost.first_lost_at) <= String(lost.last_lost_at));

    // Reported once: the next record is not followed by another summary.
    audit.record('api_request', { n: 'later' });
    await audit.flush();
    assert.equal((await eventsIn(logDir)).length, 6);
  });
});
