import type { AuditSinkDefinition } from '../contracts/audit.js';
import type { BackendDefinition } from '../contracts/backend.js';
import type { Logger } from '../contracts/logger.js';
import type { Plugin, PluginHost } from '../contracts/plugin.js';
import { isLpaError, LpaError } from '../errors.js';
import { type AgentHooks, createPluginHooks, type PluginHooks } from '../hooks.js';
import { CORE_VERSION, PLUGIN_API_VERSION } from '../version.js';
import type { PluginOrigin, PluginRegistry } from './plugin-registry.js';
import { assertApiVersion, assertAuditSinkDefinition, assertBackendDefinition, assertPluginShape } from './plugin-shape.js';

type HookName = keyof PluginHooks;
type StagedTap = { hook: HookName; name: string; fn: (...args: never[]) => unknown };

export interface ApplyPluginContext {
  registry: PluginRegistry;
  hooks: AgentHooks;
  logger: Logger;
  origin: PluginOrigin;
  options?: Record<string, unknown>;
  /** How long apply() may take before the start is refused (default 30 000 ms). */
  applyTimeoutMs?: number;
}

const DEFAULT_APPLY_TIMEOUT_MS = 30_000;

/** Resolves like `work`, or rejects once `ms` passed without it settling. */
async function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The codes apply() may surface as they are; anything else it throws becomes LPA_ERR_PLUGIN_LOAD. */
const PASS_THROUGH = ['LPA_ERR_DUPLICATE_BACKEND', 'LPA_ERR_DUPLICATE_SINK', 'LPA_ERR_PLUGIN_INVALID'] as const;

/** A hooks view that names the mistake when a plugin asks for a hook the core does not have. */
function refuseUnknownHooks<Hooks extends object>(hooks: Hooks, plugin: string): Hooks {
  return new Proxy(hooks, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target) && key !== 'then' && key !== 'toJSON') {
        throw new LpaError(
          'LPA_ERR_PLUGIN_INVALID',
          `plugin ${plugin} asked for unknown hook "${key}"; the hooks are ${Object.keys(target).join(', ')}`,
          { details: { plugin, hook: key } },
        );
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/**
 * Checks a plugin (shape, then apiVersion — before any of its code runs), runs its apply() against
 * a staging host, and only when apply() resolved commits what it registered: backends, audit sinks
 * and hook taps. A plugin that fails is never loaded half-way. The host refuses registrations once
 * apply() has settled.
 */
export async function applyPlugin(candidate: unknown, context: ApplyPluginContext): Promise<Plugin> {
  const from = context.origin.location;
  assertPluginShape(candidate, from);
  const plugin = candidate;
  assertApiVersion(plugin, from);

  const logger = context.logger.child({ plugin: plugin.name });
  const backends: BackendDefinition[] = [];
  const auditSinks: AuditSinkDefinition[] = [];
  const taps: StagedTap[] = [];
  let open = true;
  const requireOpen = (what: string) => {
    if (!open) {
      throw new LpaError('LPA_ERR_PLUGIN_INVALID', `plugin ${plugin.name} called ${what} after its apply() finished`, {
        details: { plugin: plugin.name },
      });
    }
  };
  const stageTap = (hook: HookName) => ({
    tap(name: string, fn: (...args: never[]) => unknown) {
      requireOpen(`hooks.${hook}.tap`);
      if (typeof name !== 'string' || name === '' || typeof fn !== 'function') {
        throw new LpaError('LPA_ERR_PLUGIN_INVALID', `plugin ${plugin.name} tapped ${hook} without a name and a function`, {
          details: { plugin: plugin.name, hook },
        });
      }
      taps.push({ hook, name, fn });
    },
  });

  const host: PluginHost = Object.freeze({
    coreVersion: CORE_VERSION,
    apiVersion: PLUGIN_API_VERSION,
    logger,
    hooks: refuseUnknownHooks(
      Object.freeze({
        beforeApply: stageTap('beforeApply'),
        cacheRefresh: stageTap('cacheRefresh'),
        onJobUpdate: stageTap('onJobUpdate'),
      }),
      plugin.name,
    ) as PluginHooks,
    registerBackend(definition: BackendDefinition) {
      requireOpen('registerBackend');
      assertBackendDefinition(definition, plugin.name);
      context.registry.assertBackendNameFree(definition.name, plugin.name, from);
      if (backends.some((staged) => staged.name === definition.name)) {
        throw new LpaError('LPA_ERR_DUPLICATE_BACKEND', `plugin ${plugin.name} registers backend "${definition.name}" twice`, {
          details: { backend: definition.name, plugin: plugin.name },
        });
      }
      backends.push(definition);
    },
    registerAuditSink(definition: AuditSinkDefinition) {
      requireOpen('registerAuditSink');
      assertAuditSinkDefinition(definition, plugin.name);
      context.registry.assertAuditSinkNameFree(definition.name, plugin.name, from);
      if (auditSinks.some((staged) => staged.name === definition.name)) {
        throw new LpaError('LPA_ERR_DUPLICATE_SINK', `plugin ${plugin.name} registers audit sink "${definition.name}" twice`, {
          details: { sink: definition.name, plugin: plugin.name },
        });
      }
      auditSinks.push(definition);
    },
  });

  try {
    const timeoutMs = context.applyTimeoutMs ?? DEFAULT_APPLY_TIMEOUT_MS;
    await within(
      Promise.resolve().then(() => plugin.apply(host, context.options ?? {})),
      timeoutMs,
      `apply() did not finish within ${timeoutMs} ms`,
    );
  } catch (error) {
    if (isLpaError(error) && (PASS_THROUGH as readonly string[]).includes(error.code)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new LpaError('LPA_ERR_PLUGIN_LOAD', `plugin ${plugin.name} (${from}) failed in apply(): ${reason}`, {
      cause: error,
      details: { plugin: plugin.name, from },
    });
  } finally {
    open = false;
  }

  context.registry.commit({ name: plugin.name, apiVersion: plugin.apiVersion, origin: context.origin }, backends, auditSinks);
  const view = createPluginHooks(context.hooks, logger) as unknown as Record<HookName, { tap(name: string, fn: unknown): void }>;
  for (const tap of taps) view[tap.hook].tap(tap.name, tap.fn);
  if (context.origin.kind === 'backend' && backends.length === 0) {
    logger.warn('plugin declares kind "backend" but registered no backend');
  }
  if (context.origin.kind === 'audit' && auditSinks.length === 0) {
    logger.warn('plugin declares kind "audit" but registered no audit sink');
  }
  return plugin;
}
