import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CacheRefreshOutcome } from '@linux-patch-api/core';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { createHooks, createPluginHooks } from '../../src/hooks.js';

const OUTCOME: CacheRefreshOutcome = {
  success: false,
  finished_at: '2026-01-01T00:00:00.000Z',
  error: 'Failed to fetch',
  trigger: 'health',
};

describe('cacheRefresh (async series)', () => {
  it('runs every tap in order with the outcome, waiting for each', async () => {
    const hooks = createHooks();
    const view = createPluginHooks(hooks, createMemoryLogger());
    const order: string[] = [];
    view.cacheRefresh.tap('slow', async (outcome) => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`slow:${outcome.trigger}`);
    });
    view.cacheRefresh.tap('fast', (outcome) => {
      order.push(`fast:${outcome.success}`);
    });
    await hooks.cacheRefresh.promise(OUTCOME);
    assert.deepEqual(order, ['slow:health', 'fast:false']);
  });

  it('logs a tap that throws and still runs the others; the refresh is not failed by it', async () => {
    const hooks = createHooks();
    const logger = createMemoryLogger();
    const view = createPluginHooks(hooks, logger);
    let laterRan = false;
    view.cacheRefresh.tap('metrics', async () => {
      throw new Error('metrics endpoint down');
    });
    view.cacheRefresh.tap('later', () => {
      laterRan = true;
    });
    await hooks.cacheRefresh.promise(OUTCOME);
    assert.equal(laterRan, true);
    assert.ok(logger.entries.some((entry) => entry.level === 'error' && entry.fields.tap === 'metrics'));
  });
});
