/**
 * End-to-end harness for the OSTree backend: the real agent (see ../support/e2e-agent.ts) with
 * `backend: {name: auto, root: SYSROOT}` on an OSTree sandbox sysroot (see
 * ../support/sandbox/ostree.ts). The sysroot has `run/ostree-booted`, so the agent must pick the
 * ostree backend by that marker although the root's os-release says Debian.
 */
import { type BackendAgent, hostFilesUnchanged, startBackendAgent } from '../support/e2e-agent.js';
import { createOstreeSandbox, type OstreeSandbox, type OstreeSandboxOptions } from '../support/sandbox/ostree.js';

export { changeSummary, type JobRecord } from '../support/e2e-agent.js';

/** Host files an OSTree run could touch if it escaped the sysroot (absent on this Debian machine, or the host's own). */
const HOST_FILES = [
  '/run/ostree-booted',
  '/ostree/repo/config',
  '/boot/loader/entries',
  '/etc/os-release',
  '/var/lib/dpkg/status',
];

export function hostOstreeState(): () => void {
  return hostFilesUnchanged(HOST_FILES);
}

export type OstreeAgent = BackendAgent<OstreeSandbox>;

export interface OstreeAgentOptions {
  sandbox?: OstreeSandboxOptions;
  /** `backend.name` (default `auto`: chosen by the sysroot's run/ostree-booted). */
  backend?: string;
  /** Merged into the agent config. */
  config?: Record<string, unknown>;
}

export async function startOstreeAgent(options: OstreeAgentOptions = {}): Promise<OstreeAgent> {
  const sandbox = await createOstreeSandbox(options.sandbox);
  return startBackendAgent(sandbox, {
    backend: options.backend ?? 'auto',
    jobTimeoutMs: 120_000,
    disposeSandbox: () => sandbox.dispose(),
    ...(options.config ? { config: options.config } : {}),
  });
}

/** `index version booted/pending` of GET /deployments, for compact assertions. */
export function deploymentSummary(
  deployments: { index: number; version: string; booted: boolean; pending: boolean }[],
): string[] {
  return deployments.map((d) => `${d.index} ${d.version}${d.booted ? ' booted' : ''}${d.pending ? ' pending' : ''}`);
}
