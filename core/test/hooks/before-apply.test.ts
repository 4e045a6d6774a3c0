import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlannedChange } from '@linux-patch-api/core';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { createHooks, createPluginHooks } from '../../src/hooks.js';
import { pendingJob } from './job-fixture.js';

const PLAN: PlannedChange[] = [{ name: 'curl', action: 'installed', from_version: null, to_version: '7.88.1-10' }];

describe('beforeApply (async series bail)', () => {
  it('passes the job and its plan to every tap and resolves undefined when nobody vetoes', async () => {
    const hooks = createHooks();
    const view = createPluginHooks(hooks, createMemoryLogger());
    const seen: string[] = [];
    view.beforeApply.tap('first', (job, plan) => {
      seen.push(`first:${job.id}:${plan[0]?.name}`);
      return undefined;
    });
    view.beforeApply.tap('second', async (job) => {
      seen.push(`second:${job.type}`);
      return undefined;
    });
    assert.equal(await hooks.beforeApply.promise(pendingJob(), PLAN), undefined);
    assert.deepEqual(seen, ['first:00000000-0000-4000-8000-000000000001:curl', 'second:package_install']);
  });

  it('stops at the first veto: its reason wins and later taps do not run', async () => {
    const hooks = createHooks();
    const view = createPluginHooks(hooks, createMemoryLogger());
    let laterRan = false;
    view.beforeApply.tap('maintenance-window', async (_job, plan) =>
      plan.some((change) => change.name === 'curl') ? { reason: 'outside the maintenance window' } : undefined,
    );
    view.beforeApply.tap('later', () => {
      laterRan = true;
      return { reason: 'later veto' };
    });
    assert.deepEqual(await hooks.beforeApply.promise(pendingJob(), PLAN), { reason: 'outside the maintenance window' });
    assert.equal(laterRan, false);
  });

  it('treats a tap that throws as a veto naming the tap, and logs it (a broken guard fails safe)', async () => {
    const hooks = createHooks();
    const logger = createMemoryLogger();
    const view = createPluginHooks(hooks, logger);
    view.beforeApply.tap('policy', () => {
      throw new Error('policy server unreachable');
    });
    assert.deepEqual(await hooks.beforeApply.promise(pendingJob(), PLAN), { reason: 'policy: policy server unreachable' });
    assert.ok(logger.entries.some((entry) => entry.level === 'error' && entry.fields.tap === 'policy'));
  });

  it('registers taps under the name the plugin gives', () => {
    const hooks = createHooks();
    createPluginHooks(hooks, createMemoryLogger()).beforeApply.tap('@acme/policy', () => undefined);
    assert.deepEqual(
      hooks.beforeApply.taps.map((tap) => tap.name),
      ['@acme/policy'],
    );
  });
});
