import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { AsyncSeriesBailHook, AsyncSeriesHook, SyncHook } from 'tapable';
import { createHooks, createPluginHooks } from '../../src/hooks.js';

describe('hooks object and the plugin view', () => {
  it('is one frozen object with the three hooks of the documented kinds', () => {
    const hooks = createHooks();
    assert.ok(Object.isFrozen(hooks));
    assert.deepEqual(Object.keys(hooks).sort(), ['beforeApply', 'cacheRefresh', 'onJobUpdate']);
    assert.equal(hooks.beforeApply.constructor, AsyncSeriesBailHook);
    assert.equal(hooks.cacheRefresh.constructor, AsyncSeriesHook);
    assert.equal(hooks.onJobUpdate.constructor, SyncHook);
    assert.throws(() => {
      (hooks as unknown as Record<string, unknown>).extra = 1;
    }, TypeError);
  });

  it('gives plugins tap() only: they cannot fire hooks', () => {
    const view = createPluginHooks(createHooks(), createMemoryLogger());
    assert.ok(Object.isFrozen(view));
    for (const name of ['beforeApply', 'cacheRefresh', 'onJobUpdate'] as const) {
      assert.deepEqual(Object.keys(view[name]), ['tap'], `${name} exposes more than tap`);
    }
  });

  it('refuses a tap without a name', () => {
    const view = createPluginHooks(createHooks(), createMemoryLogger());
    assert.throws(() => view.onJobUpdate.tap('', () => {}), /needs a name/);
    assert.throws(() => view.beforeApply.tap(undefined as unknown as string, () => undefined), /needs a name/);
  });
});
