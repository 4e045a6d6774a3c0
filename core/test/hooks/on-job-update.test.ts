import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { createHooks, createPluginHooks } from '../../src/hooks.js';
import { pendingJob } from './job-fixture.js';

describe('onJobUpdate (sync, cannot block or break the job)', () => {
  it('calls every tap synchronously with the job and why it changed', () => {
    const hooks = createHooks();
    const view = createPluginHooks(hooks, createMemoryLogger());
    const seen: string[] = [];
    view.onJobUpdate.tap('websocket', (job, kind) => seen.push(`ws:${job.status}:${kind}`));
    view.onJobUpdate.tap('audit', (_job, kind) => seen.push(`audit:${kind}`));
    hooks.onJobUpdate.call(pendingJob(), 'created');
    assert.deepEqual(seen, ['ws:pending:created', 'audit:created']);
  });

  it('contains a tap that throws: logged, the caller goes on, later taps still run', () => {
    const hooks = createHooks();
    const logger = createMemoryLogger();
    const view = createPluginHooks(hooks, logger);
    let laterRan = false;
    view.onJobUpdate.tap('broken', () => {
      throw new Error('socket closed');
    });
    view.onJobUpdate.tap('later', () => {
      laterRan = true;
    });
    assert.doesNotThrow(() => hooks.onJobUpdate.call(pendingJob(), 'progress'));
    assert.equal(laterRan, true);
    const entry = logger.entries.find((candidate) => candidate.fields.tap === 'broken');
    assert.equal(entry?.level, 'error');
  });
});
