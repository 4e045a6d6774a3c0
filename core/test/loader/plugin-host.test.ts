import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AuditSinkDefinition,
  type BackendDefinition,
  definePlugin,
  isLpaError,
  type PluginHost,
} from '@linux-patch-api/core';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { createHooks } from '../../src/hooks.js';
import { applyPlugin } from '../../src/loader/plugin-host.js';
import { PluginRegistry } from '../../src/loader/plugin-registry.js';
import { CORE_VERSION, PLUGIN_API_VERSION } from '../../src/version.js';

const backend = (name: string): BackendDefinition => ({ name, detect: () => false, create: () => ({}) as never });
const sink = (name: string): AuditSinkDefinition => ({
  name,
  priority: 1,
  available: () => true,
  create: () => ({ name, write: async () => {}, close: async () => {} }),
});

function context(registry = new PluginRegistry()) {
  return {
    registry,
    hooks: createHooks(),
    logger: createMemoryLogger(),
    origin: { via: 'builtin' as const, location: 'test', kind: null },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isLpaError(error), `not an LpaError: ${String(error)}`);
    return `${error.code}: ${error.message}`;
  }
  return 'resolved';
}

const withApply = (apply: (host: PluginHost) => void | Promise<void>) =>
  definePlugin({ name: 'test-plugin', apiVersion: '^1.0.0', apply });

describe('plugin host', () => {
  it('gives apply() the versions, a child logger and a tap-only hooks view', async () => {
    let seen: PluginHost | undefined;
    const ctx = context();
    await applyPlugin(
      withApply((host) => {
        seen = host;
      }),
      ctx,
    );
    assert.ok(seen);
    assert.equal(seen.coreVersion, CORE_VERSION);
    assert.equal(seen.apiVersion, PLUGIN_API_VERSION);
    assert.ok(Object.isFrozen(seen) && Object.isFrozen(seen.hooks));
    for (const hook of ['beforeApply', 'cacheRefresh', 'onJobUpdate'] as const) {
      const view = seen.hooks[hook] as unknown as Record<string, unknown>;
      assert.equal(typeof view.tap, 'function');
      assert.equal(view.call, undefined, `${hook} view exposes call`);
      assert.equal(view.promise, undefined, `${hook} view exposes promise`);
      assert.equal(view.callAsync, undefined);
    }
    seen.logger.info('hello');
    assert.equal(ctx.logger.entries.at(-1)?.fields.plugin, 'test-plugin');
  });

  it('refuses backends and sinks without the functions the core calls', async () => {
    const cases: Array<[string, (host: PluginHost) => void, RegExp]> = [
      ['no detect', (host) => host.registerBackend({ name: 'x', create: () => ({}) } as never), /backend "x" without detect\(\)/],
      ['no create', (host) => host.registerBackend({ name: 'x', detect: () => true } as never), /without create\(\)/],
      ['no name', (host) => host.registerBackend({ detect: () => true, create: () => ({}) } as never), /named undefined/],
      ['reserved name', (host) => host.registerBackend(backend('auto')), /named "auto"/],
      ['not an object', (host) => host.registerBackend(null as never), /not an object/],
      [
        'sink without create',
        (host) => host.registerAuditSink({ name: 's', priority: 1, available: () => true } as never),
        /without create\(\)/,
      ],
      [
        'sink without available',
        (host) => host.registerAuditSink({ name: 's', priority: 1, create: () => ({}) } as never),
        /without available\(\)/,
      ],
      [
        'sink without priority',
        (host) => host.registerAuditSink({ name: 's', available: () => true, create: () => ({}) } as never),
        /numeric priority/,
      ],
      ['tap without a name', (host) => host.hooks.onJobUpdate.tap('', () => {}), /tapped onJobUpdate without a name/],
      [
        'unknown hook',
        (host) =>
          (host.hooks as unknown as Record<string, { tap(name: string, fn: () => void): void }>).afterApply?.tap('x', () => {}),
        /unknown hook "afterApply"; the hooks are beforeApply, cacheRefresh, onJobUpdate/,
      ],
    ];
    for (const [label, apply, pattern] of cases) {
      const ctx = context();
      const outcome = await codeOf(applyPlugin(withApply(apply), ctx));
      assert.match(outcome, /^LPA_ERR_PLUGIN_INVALID: /, label);
      assert.match(outcome, pattern, label);
      assert.equal(ctx.registry.plugins.length, 0, `${label}: the plugin stayed registered`);
    }
  });

  it('refuses duplicate backends and sinks, across plugins and within one', async () => {
    const registry = new PluginRegistry();
    await applyPlugin(
      withApply((host) => {
        host.registerBackend(backend('apt'));
        host.registerAuditSink(sink('file'));
      }),
      context(registry),
    );
    const other = (apply: (host: PluginHost) => void) => definePlugin({ name: 'other', apiVersion: '^1.0.0', apply });
    assert.match(
      await codeOf(
        applyPlugin(
          other((host) => host.registerBackend(backend('apt'))),
          context(registry),
        ),
      ),
      /^LPA_ERR_DUPLICATE_BACKEND: plugin other registers backend "apt", which plugin test-plugin already registered/,
    );
    assert.match(
      await codeOf(
        applyPlugin(
          other((host) => host.registerAuditSink(sink('file'))),
          context(registry),
        ),
      ),
      /^LPA_ERR_DUPLICATE_SINK: .*audit sink "file"/,
    );
    assert.match(
      await codeOf(
        applyPlugin(
          other((host) => {
            host.registerBackend(backend('dnf'));
            host.registerBackend(backend('dnf'));
          }),
          context(new PluginRegistry()),
        ),
      ),
      /^LPA_ERR_DUPLICATE_BACKEND: plugin other registers backend "dnf" twice/,
    );
    assert.deepEqual(
      registry.backends.map((entry) => entry.definition.name),
      ['apt'],
    );
  });

  it('checks the API version before apply() runs', async () => {
    let applied = false;
    const future = definePlugin({
      name: 'future',
      apiVersion: `^${Number(PLUGIN_API_VERSION.split('.')[0]) + 1}.0.0`,
      apply() {
        applied = true;
      },
    });
    assert.match(
      await codeOf(applyPlugin(future, context())),
      new RegExp(
        `^LPA_ERR_PLUGIN_VERSION_MISMATCH: plugin future \\(test\\) supports plugin API \\^2\\.0\\.0, but this core provides plugin API ${PLUGIN_API_VERSION.replaceAll('.', '\\.')}$`,
      ),
    );
    assert.equal(applied, false);
    const ranged = definePlugin({ name: 'ranged', apiVersion: '>=0.9 <2', apply() {} });
    await applyPlugin(ranged, context());
  });

  it('commits nothing of a plugin whose apply() rejects, taps included', async () => {
    const ctx = context();
    const outcome = await codeOf(
      applyPlugin(
        withApply(async (host) => {
          host.registerBackend(backend('apt'));
          host.registerAuditSink(sink('file'));
          host.hooks.beforeApply.tap('test-plugin', () => ({ reason: 'stale veto' }));
          await Promise.resolve();
          throw new TypeError('boom');
        }),
        ctx,
      ),
    );
    assert.match(outcome, /^LPA_ERR_PLUGIN_LOAD: plugin test-plugin \(test\) failed in apply\(\): boom/);
    assert.deepEqual([ctx.registry.plugins.length, ctx.registry.backends.length, ctx.registry.auditSinks.length], [0, 0, 0]);
    assert.equal(ctx.hooks.beforeApply.taps.length, 0);
  });

  it('refuses a plugin whose apply() never settles, keeping nothing it registered', async () => {
    const ctx = { ...context(), applyTimeoutMs: 50 };
    const outcome = await codeOf(
      applyPlugin(
        withApply((host) => {
          host.registerBackend(backend('stuck'));
          return new Promise<void>(() => {});
        }),
        ctx,
      ),
    );
    assert.match(
      outcome,
      /^LPA_ERR_PLUGIN_LOAD: plugin test-plugin \(test\) failed in apply\(\): apply\(\) did not finish within 50 ms/,
    );
    assert.equal(ctx.registry.findBackend('stuck'), undefined);
  });

  it('refuses registrations after apply() has finished', async () => {
    let late: PluginHost | undefined;
    const ctx = context();
    await applyPlugin(
      withApply((host) => {
        late = host;
      }),
      ctx,
    );
    assert.throws(
      () => late?.registerBackend(backend('late')),
      (error) => isLpaError(error, 'LPA_ERR_PLUGIN_INVALID'),
    );
    assert.throws(() => late?.hooks.cacheRefresh.tap('late', () => {}), /after its apply\(\) finished/);
    assert.equal(ctx.registry.findBackend('late'), undefined);
  });

  it('wires committed taps through the containing view: a throwing onJobUpdate tap is logged, not thrown', async () => {
    const ctx = context();
    const calls: string[] = [];
    await applyPlugin(
      withApply((host) => {
        host.hooks.onJobUpdate.tap('test-plugin', () => {
          throw new Error('tap failed');
        });
        host.hooks.onJobUpdate.tap('test-plugin', (_job, kind) => calls.push(kind));
      }),
      ctx,
    );
    ctx.hooks.onJobUpdate.call({} as never, 'created');
    assert.deepEqual(calls, ['created']);
    assert.ok(ctx.logger.entries.some((entry) => entry.level === 'error' && entry.fields.tap === 'test-plugin'));
  });
});
