/**
 * End-to-end harness for the pacman backend: the real agent (see ../support/e2e-agent.ts) with
 * `backend: {name: pacman, root: SANDBOX}` on a pacman sandbox root whose repository is published
 * in stages (see ../support/sandbox/pacman.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BackendAgent, extendAgent, hostFilesUnchanged, startBackendAgent } from '../support/e2e-agent.js';
import { createPacmanSandbox, type PacmanSandbox, type PacmanSandboxOptions } from '../support/sandbox/pacman.js';

export { changeSummary, type JobRecord, versions } from '../support/e2e-agent.js';

const HOST_FILES = ['/var/lib/pacman/local/ALPM_DB_VERSION', '/var/lib/pacman/db.lck', '/var/log/pacman.log', '/etc/pacman.conf'];

/** Fingerprints the host's pacman files now (normally absent on this Debian machine); the check asserts them unchanged. */
export function hostPacmanState(): () => void {
  return hostFilesUnchanged(HOST_FILES);
}

export interface PacmanAgent extends BackendAgent<PacmanSandbox> {
  /** The root's own pacman.log: every pacman run on the root appends to it. */
  pacmanLog(): Promise<string>;
}

export interface PacmanAgentOptions {
  sandbox?: PacmanSandboxOptions;
  /** `backend.name: auto`: the agent must find pacman from the root's os-release (ID=arch). */
  autoDetect?: boolean;
  /** Merged into the agent config. */
  config?: Record<string, unknown>;
}

export async function startPacmanAgent(options: PacmanAgentOptions = {}): Promise<PacmanAgent> {
  const sandbox = await createPacmanSandbox(options.sandbox);
  const agent = await startBackendAgent(sandbox, {
    backend: options.autoDetect ? 'auto' : 'pacman',
    jobTimeoutMs: 120_000,
    disposeSandbox: () => sandbox.dispose(),
    ...(options.config ? { config: options.config } : {}),
  });
  return extendAgent(agent, {
    pacmanLog: () => readFile(join(sandbox.root, 'var/log/pacman.log'), 'utf8').catch(() => ''),
  });
}
