import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAuditTrail } from '../../../core/src/audit/fan-out.js';
import { listAuditFiles, verifyAuditFiles } from '../../../core/src/audit/verify.js';
import { createMemoryLogger } from '../../../core/src/testing/memory-logger.js';
import { mountSmallFileSystem, type SmallFileSystem } from '../../../test/support/full-disk.js';
import { FileAuditSink } from '../src/index.js';
import { readLines } from './helpers.js';
import { temporaryDirectory } from './temporary-directory.js';

// The file sink is the only sink, on a 64 KiB tmpfs that is then filled. Records that cannot be
// written are lost, but not silently: they are counted and logged, and the first record written
// once there is room again is followed by an audit_records_lost record saying how many of which.

test('records dropped on ENOSPC are counted, logged and recorded as audit_records_lost once there is room', async (t) => {
  const dir = await temporaryDirectory(t);
  const disk = await mountSmallFileSystem(join(dir, 'small'));
  try {
    await exercise(disk);
  } finally {
    disk.unmount();
  }
});

async function exercise(disk: SmallFileSystem): Promise<void> {
  const logDir = join(disk.mountPoint, 'log');
  const file = await FileAuditSink.open({ logDir, retentionDays: 30 });
  const logger = createMemoryLogger();
  const audit = createAuditTrail({ sinks: [file], fallback: file, agent: { hostname: 'h', version: '1.0.0' }, logger });
  try {
    audit.record('agent_start', {});
    await audit.flush();
    await disk.fill();

    // Larger than the room left in audit.log's last page.
    const bulky = 'x'.repeat(6000);
    for (let n = 0; n < 5; n += 1) audit.record('api_request', { n, bulky });
    audit.record('config_reload', { accepted: true, bulky });
    await audit.flush();
    assert.ok(
      logger.entries.some((entry) => /audit records lost/.test(entry.message) && entry.level === 'error'),
      'the loss is logged',
    );

    await disk.free();
    audit.record('api_request', { n: 'after' });
    await audit.flush();
    const events = (await readLines(join(logDir, 'audit.log'))).map((line) => JSON.parse(line));
    assert.deepEqual(
      events.map((r) => r.event),
      ['agent_start', 'api_request', 'audit_records_lost'],
    );
    const lost = events[2];
    assert.equal(lost.count, 6);
    assert.deepEqual(lost.events, { api_request: 5, config_reload: 1 });
    assert.ok(lost.first_lost_at <= lost.last_lost_at);
    assert.equal((await verifyAuditFiles(await listAuditFiles(logDir))).ok, true);

    // Reported once: the next record is not followed by another summary.
    audit.record('api_request', { n: 'later' });
    await audit.flush();
    assert.equal((await readLines(join(logDir, 'audit.log'))).length, 4);
  } finally {
    await audit.close();
  }
}
