// The two functions alone: semver's index loads all of its 48 modules at start.
import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import type { AuditSinkDefinition } from '../contracts/audit.js';
import type { BackendDefinition, PackageManagerBackend } from '../contracts/backend.js';
import type { Plugin } from '../contracts/plugin.js';
import { LpaError } from '../errors.js';
import { PLUGIN_API_VERSION } from '../version.js';

/** What `backend.name` and `audit.sinks` may name; `auto` is reserved for automatic choice. */
const REGISTERED_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function invalid(message: string, details: Record<string, unknown>): LpaError {
  return new LpaError('LPA_ERR_PLUGIN_INVALID', message, { details });
}

/**
 * Checks a module's default export is a plugin: `{ name, apiVersion, apply }` (see definePlugin).
 * `from` names where it was loaded from, for the message.
 */
export function assertPluginShape(value: unknown, from: string): asserts value is Plugin {
  if (!isRecord(value)) {
    throw invalid(
      `${from} is not a linux-patch-api plugin: its default export must be definePlugin({ name, apiVersion, apply })`,
      {
        from,
      },
    );
  }
  const problems: string[] = [];
  if (typeof value.name !== 'string' || value.name.trim() === '') problems.push('name must be a non-empty string');
  if (typeof value.apiVersion !== 'string' || validRange(value.apiVersion) === null) {
    problems.push('apiVersion must be a semver range such as "^1.0.0"');
  }
  if (typeof value.apply !== 'function') problems.push('apply must be a function');
  if (problems.length > 0) {
    const label = typeof value.name === 'string' && value.name !== '' ? `plugin ${value.name} (${from})` : from;
    throw invalid(`${label} is not a valid plugin: ${problems.join('; ')}`, { from, problems });
  }
}

/** Refuses a plugin whose apiVersion range does not admit this core's PLUGIN_API_VERSION. */
export function assertApiVersion(plugin: Plugin, from: string): void {
  if (!satisfies(PLUGIN_API_VERSION, plugin.apiVersion)) {
    throw new LpaError(
      'LPA_ERR_PLUGIN_VERSION_MISMATCH',
      `plugin ${plugin.name} (${from}) supports plugin API ${plugin.apiVersion}, but this core provides plugin API ${PLUGIN_API_VERSION}`,
      { details: { plugin: plugin.name, from, supported: plugin.apiVersion, provided: PLUGIN_API_VERSION } },
    );
  }
}

function assertRegisteredName(kind: string, name: unknown, plugin: string): void {
  if (typeof name !== 'string' || !REGISTERED_NAME.test(name) || name === 'auto') {
    throw invalid(
      `plugin ${plugin} registers a ${kind} named ${JSON.stringify(name)}: a name is 1-64 of a-z 0-9 . _ - and not "auto"`,
      { plugin, name },
    );
  }
}

function missingFunctions(value: Record<string, unknown>, names: readonly string[]): string[] {
  return names.filter((name) => typeof value[name] !== 'function');
}

/** Verdaccio-style sanity check of a backend definition: a usable name and the functions the core calls. */
export function assertBackendDefinition(value: unknown, plugin: string): asserts value is BackendDefinition {
  if (!isRecord(value)) throw invalid(`plugin ${plugin} registers a backend that is not an object`, { plugin });
  assertRegisteredName('backend', value.name, plugin);
  const missing = missingFunctions(value, ['detect', 'create']);
  if (missing.length > 0) {
    throw invalid(`plugin ${plugin} registers backend "${String(value.name)}" without ${missing.join(', ')}()`, {
      plugin,
      missing,
    });
  }
}

/** Sanity check of an audit sink definition. */
export function assertAuditSinkDefinition(value: unknown, plugin: string): asserts value is AuditSinkDefinition {
  if (!isRecord(value)) throw invalid(`plugin ${plugin} registers an audit sink that is not an object`, { plugin });
  assertRegisteredName('audit sink', value.name, plugin);
  const missing = missingFunctions(value, ['available', 'create']);
  if (missing.length > 0) {
    throw invalid(`plugin ${plugin} registers audit sink "${String(value.name)}" without ${missing.join(', ')}()`, {
      plugin,
      missing,
    });
  }
  if (typeof value.priority !== 'number' || !Number.isFinite(value.priority)) {
    throw invalid(`plugin ${plugin} registers audit sink "${String(value.name)}" without a numeric priority`, { plugin });
  }
}

/** Every method of the PackageManagerBackend contract (the conformance kit checks the same list). */
export const BACKEND_METHODS = [
  'info',
  'listInstalled',
  'getPackage',
  'listUpgrades',
  'install',
  'update',
  'remove',
  'applyUpgrades',
  'planInstall',
  'planRemove',
  'planUpgrades',
  'refreshCache',
  'lastCacheUpdate',
  'isFetchError',
  'validateName',
  'validateVersion',
  'compareVersions',
  'findLockHolder',
  'repair',
  'rebootRequired',
] as const satisfies readonly (keyof PackageManagerBackend)[];

/** Sanity check of what a backend's create() returned: every method of the contract is there. */
export function assertBackendInstance(value: unknown, backend: string, plugin: string): asserts value is PackageManagerBackend {
  const missing = isRecord(value) ? missingFunctions(value, BACKEND_METHODS) : [...BACKEND_METHODS];
  if (missing.length > 0) {
    throw invalid(`backend "${backend}" (plugin ${plugin}) created an object without ${missing.join('(), ')}()`, {
      backend,
      plugin,
      missing,
    });
  }
}
