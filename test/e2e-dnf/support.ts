/**
 * End-to-end harness for the rpm backends: the real agent (see ../support/e2e-agent.ts) with
 * `backend: {name: dnf, root: SANDBOX}` (or the yum plugin driving dnf invoked as `yum`) on a dnf
 * sandbox root with the fixture repository.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendAgent, extendAgent, startBackendAgent } from '../support/e2e-agent.js';
import { fingerprintFile } from '../support/sandbox/common.js';
import {
  createDnfSandbox,
  type DnfSandbox,
  type DnfSandboxOptions,
  hostRpmState,
  withdrawFromRepo,
} from '../support/sandbox/dnf.js';

export { changeSummary, type JobRecord, versions } from '../support/e2e-agent.js';

export const HELLO = 'lpa-fixture-hello';
export const DEP = 'lpa-fixture-dep';
export const SEC = 'lpa-fixture-sec';

/** Fingerprints the host's rpm/dnf state now; the returned check asserts it is unchanged. */
export function hostRpmUnchanged(): () => void {
  const before = hostRpmState();
  return () => assert.deepEqual(hostRpmState(), before, "the host's rpm/dnf state changed");
}

/**
 * `dnf`: the dnf plugin as installed. `yum`: the yum plugin driving dnf invoked as `yum` (RHEL 8+),
 * through a test plugin that hands the real yum plugin a `yum` symlink (see yum-as-dnf-plugin.ts).
 */
export type RpmFlavour = 'dnf' | 'yum';

export interface RpmAgentOptions {
  flavour?: RpmFlavour;
  /** Package specs (`name-version-release`) installed with dnf before the agent starts. */
  install?: string[];
  /** Merged into the agent config. */
  config?: Record<string, unknown>;
  /** A repository instead of the shared fixture repository (see copyFixtureRepo). */
  repo?: string;
  /** More sandbox settings (a served repository, keepcache). */
  sandbox?: Pick<DnfSandboxOptions, 'repoUrl' | 'keepcache'>;
}

export interface RpmAgent extends BackendAgent<DnfSandbox> {
  /** Hashes of the root's dnf logs: they change whenever dnf runs on the root. */
  dnfTrace(): string;
}

const YUM_AS_DNF_PLUGIN = fileURLToPath(new URL('../e2e-yum/yum-as-dnf-plugin.ts', import.meta.url));

export async function startRpmAgent(options: RpmAgentOptions = {}): Promise<RpmAgent> {
  const flavour = options.flavour ?? 'dnf';
  const sandbox = await createDnfSandbox({ ...options.sandbox, ...(options.repo === undefined ? {} : { repo: options.repo }) });
  if (options.install && options.install.length > 0) await sandbox.dnf(['install', '--', ...options.install]);
  const agent = await startBackendAgent(sandbox, {
    backend: flavour === 'dnf' ? 'dnf' : 'yum-as-dnf',
    jobTimeoutMs: 180_000,
    disposeSandbox: () => sandbox.cleanup(),
    ...(flavour === 'yum' ? { plugins: [YUM_AS_DNF_PLUGIN] } : {}),
    ...(options.config ? { config: options.config } : {}),
  });
  return extendAgent(agent, {
    dnfTrace: () =>
      ['dnf.log', 'dnf.rpm.log', 'dnf.librepo.log', 'hawkey.log']
        .map((file) => `${file}=${fingerprintFile(join(sandbox.root, 'var/log', file))}`)
        .join(' '),
  });
}

/**
 * Rebuilds the agent's repository without `name-version-release`, as a mirror does once an update
 * supersedes it, and empties dnf's cache (packages and metadata) on the root.
 */
export async function withdrawVersion(agent: RpmAgent, repo: string, nameVersionRelease: string): Promise<void> {
  await withdrawFromRepo(repo, nameVersionRelease);
  await agent.sandbox.dnf(['clean', 'all']);
  await agent.sandbox.dnf(['makecache']);
  const listed = await agent.sandbox.dnf(['-q', 'list', '--showduplicates', '--available', '--', nameVersionRelease]).then(
    (result) => result.stdout,
    () => '',
  );
  assert.equal(listed.trim(), '', `the repository still offers ${nameVersionRelease}`);
}
