import { join } from 'node:path';
import { createProcessRunner, RecordingRunner, silentLogger } from '@linux-patch-api/core/testing';
import type { AptSandbox } from '../../../test/support/sandbox/apt.js';
import { AptBackend } from '../src/apt-backend.js';

/** The backend on a sandbox root, through the real process runner wrapped in a recorder. */
export async function aptBackendOn(
  sandbox: AptSandbox,
  recorder = new RecordingRunner(createProcessRunner()),
): Promise<{ backend: AptBackend; recorder: RecordingRunner }> {
  const backend = await AptBackend.create({
    root: sandbox.root,
    runner: recorder,
    logger: silentLogger,
    stateDir: join(sandbox.dir, 'state'),
  });
  return { backend, recorder };
}

/** Polls `check` every 20 ms until it holds, failing after `limitMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
