import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PackageManagerBackend } from '../../src/contracts/backend.js';
import { lastUpdateTime } from '../../src/system/last-update-time.js';
import { createMemoryLogger } from '../../src/testing/memory-logger.js';

const JOB_CHANGE = '2026-12-01T10:00:00.000Z';

function backendWith(history?: () => Promise<Date | null>): PackageManagerBackend {
  return (history === undefined ? {} : { lastUpdateTime: history }) as unknown as PackageManagerBackend;
}

describe('last_update_time', () => {
  it("is the package manager's history when the backend reads it, even when older than the agent's last job", async () => {
    const logger = createMemoryLogger();
    const history = new Date('2026-11-30T08:00:00Z');
    const time = await lastUpdateTime({
      backend: () => backendWith(async () => history),
      lastJobChange: () => JOB_CHANGE,
      logger,
    });
    assert.equal(time, history.toISOString());
  });

  it("falls back to the agent's jobs for a 1.0 backend without lastUpdateTime()", async () => {
    const logger = createMemoryLogger();
    assert.equal(await lastUpdateTime({ backend: () => backendWith(), lastJobChange: () => JOB_CHANGE, logger }), JOB_CHANGE);
    assert.equal(await lastUpdateTime({ backend: () => null, lastJobChange: () => null, logger }), null);
  });

  it('falls back when the history records nothing, and logs a warning when it cannot be read', async () => {
    const logger = createMemoryLogger();
    const none = backendWith(async () => null);
    assert.equal(await lastUpdateTime({ backend: () => none, lastJobChange: () => JOB_CHANGE, logger }), JOB_CHANGE);
    const broken = backendWith(async () => {
      throw new Error('EACCES: dpkg.log');
    });
    assert.equal(await lastUpdateTime({ backend: () => broken, lastJobChange: () => JOB_CHANGE, logger }), JOB_CHANGE);
    assert.equal(logger.entries.filter((entry) => entry.level === 'warn').length, 1);
  });
});
