/**
 * End-to-end harness for the apt backend: the real agent (see ../support/e2e-agent.ts) with
 * `backend: {name: apt, root: SANDBOX}` on an apt sandbox root.
 */

import { type BackendAgent, hostFilesUnchanged, startBackendAgent } from '../support/e2e-agent.js';
import { type AptSandbox, type AptSandboxOptions, createAptSandbox } from '../support/sandbox/apt.js';

export { changeSummary, type JobRecord, versions } from '../support/e2e-agent.js';

const HOST_FILES = ['/var/lib/dpkg/status', '/var/log/dpkg.log', '/var/log/apt/history.log', '/var/log/apt/term.log'];

/** Fingerprints the host's dpkg database and logs now; the returned check asserts they are unchanged. */
export function hostPackageState(): () => void {
  return hostFilesUnchanged(HOST_FILES);
}

export interface AptAgentOptions {
  sandbox?: AptSandboxOptions;
  /** Merged into the agent config (e.g. `{ jobs: { lock_wait_seconds: 1 } }`). */
  config?: Record<string, unknown>;
  /** Runs on the sandbox before the agent starts. */
  prepare?: (sandbox: AptSandbox) => Promise<void>;
}

export type AptAgent = BackendAgent<AptSandbox>;

export async function startAptAgent(options: AptAgentOptions = {}): Promise<AptAgent> {
  const sandbox = await createAptSandbox(options.sandbox);
  await options.prepare?.(sandbox);
  return startBackendAgent(sandbox, {
    backend: 'apt',
    jobTimeoutMs: 120_000,
    disposeSandbox: () => sandbox.dispose(),
    ...(options.config ? { config: options.config } : {}),
  });
}
