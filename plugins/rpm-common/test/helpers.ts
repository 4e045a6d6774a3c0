import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BackendDefinition, PackageManagerBackend, Plugin, PluginHost } from '@linux-patch-api/core';
import { isLpaError } from '@linux-patch-api/core';
import { createProcessRunner, RecordingRunner, silentLogger } from '@linux-patch-api/core/testing';
import type { DnfSandbox } from '../../../test/support/sandbox/dnf.js';

/** Runs a plugin's apply() against a minimal host and returns the backend definition it registered. */
export async function registeredBackend<Options>(plugin: Plugin<Options>, options: Options): Promise<BackendDefinition> {
  const registered: BackendDefinition[] = [];
  const host = {
    coreVersion: '1.0.0',
    apiVersion: '1.0.0',
    logger: silentLogger,
    hooks: {} as PluginHost['hooks'],
    registerBackend: (definition: BackendDefinition) => registered.push(definition),
    registerAuditSink: () => {
      throw new Error('a backend plugin must not register an audit sink');
    },
  } satisfies PluginHost;
  await plugin.apply(host, options);
  assert.equal(registered.length, 1, 'the plugin must register exactly one backend');
  return registered[0]!;
}

/** The plugin's backend on a sandbox root, through the real process runner wrapped in a recorder. */
export async function backendOn(
  definition: BackendDefinition,
  sandbox: DnfSandbox,
): Promise<{ backend: PackageManagerBackend; recorder: RecordingRunner }> {
  const recorder = new RecordingRunner(createProcessRunner());
  const backend = await definition.create({
    root: sandbox.root,
    runner: recorder,
    logger: silentLogger,
    stateDir: join(sandbox.stateDir, 'backend'),
  });
  return { backend, recorder };
}

export async function rejectsWith(
  code: string,
  action: () => Promise<unknown>,
): Promise<Error & { details?: Record<string, unknown> }> {
  try {
    await action();
  } catch (error) {
    assert.ok(isLpaError(error), `expected an LpaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

/** Polls `check` every 20 ms until it holds, failing after `limitMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
