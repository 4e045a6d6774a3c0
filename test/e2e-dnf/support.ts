/**
 * End-to-end harness for the rpm backends: the real agent process (the CLI, through tsx) with
 * `backend: {name: dnf, root: SANDBOX}` (or the yum plugin driving dnf invoked as `yum`), a test
 * PKI and an mTLS client, on a dnf sandbox root with the fixture repository.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AgentProcess,
  createTestPki,
  freePort,
  spawnAgentProcess,
  type TestPki,
  writeAgentConfig,
} from '../support/agent.js';
import { fingerprintFile } from '../support/sandbox/common.js';
import { createDnfSandbox, type DnfSandbox, hostRpmState } from '../support/sandbox/dnf.js';
import { type MtlsResponse, mtlsRequest } from '../support/tls-client.js';
import { waitFor } from '../support/wait.js';

export const HELLO = 'lpa-fixture-hello';
export const DEP = 'lpa-fixture-dep';
export const SEC = 'lpa-fixture-sec';

// biome-ignore lint/suspicious/noExplicitAny: tests read job fields freely
export type JobRecord = any;

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
}

export interface RpmAgent {
  sandbox: DnfSandbox;
  dir: string;
  pki: TestPki;
  process: AgentProcess;
  request(method: string, path: string, body?: unknown): Promise<MtlsResponse>;
  waitForJob(id: string, timeoutMs?: number): Promise<JobRecord>;
  /** Submits (expects 202 + Location) and waits for the job to finish. */
  runJob(method: string, path: string, body?: unknown): Promise<JobRecord>;
  /** Hashes of the root's dnf logs: they change whenever dnf runs on the root. */
  dnfTrace(): string;
  stop(): Promise<void>;
}

const YUM_AS_DNF_PLUGIN = fileURLToPath(new URL('../e2e-yum/yum-as-dnf-plugin.ts', import.meta.url));

export async function startRpmAgent(options: RpmAgentOptions = {}): Promise<RpmAgent> {
  const flavour = options.flavour ?? 'dnf';
  const sandbox = await createDnfSandbox();
  if (options.install && options.install.length > 0) await sandbox.dnf(['install', '--', ...options.install]);
  const dir = join(sandbox.dir, 'agent');
  await mkdir(dir, { recursive: true });
  const pki = await createTestPki(dir);
  const port = await freePort();
  const { configPath } = await writeAgentConfig(dir, {
    port,
    config: {
      backend: { name: flavour === 'dnf' ? 'dnf' : 'yum-as-dnf', root: sandbox.root },
      audit: { sinks: ['file'], retention_days: 30 },
      jobs: { max_concurrent: 5, timeout_seconds: 600, max_queued: 100, retention_seconds: 86400, lock_wait_seconds: 60 },
      ...(flavour === 'yum' ? { plugins: [YUM_AS_DNF_PLUGIN] } : {}),
      ...options.config,
    },
  });
  const agentProcess = await spawnAgentProcess({ configPath, timeoutMs: 60_000 });

  const request = (method: string, path: string, body?: unknown) =>
    mtlsRequest({
      host: '127.0.0.1',
      port: agentProcess.port,
      ca: pki.ca.certPem,
      cert: pki.client.certPem,
      key: pki.client.keyPem,
      method,
      path,
      timeoutMs: 30_000,
      ...(body === undefined ? {} : { body }),
    });

  const waitForJob = (id: string, timeoutMs = 180_000) =>
    waitFor(
      async () => {
        const res = await request('GET', `/jobs/${id}`);
        assert.equal(res.status, 200, res.text);
        const job = res.json.data;
        return ['completed', 'failed', 'timed_out'].includes(job.status) ? job : undefined;
      },
      { timeoutMs, intervalMs: 50, what: `job ${id} to finish` },
    );

  return {
    sandbox,
    dir,
    pki,
    process: agentProcess,
    request,
    waitForJob,
    async runJob(method, path, body) {
      const res = await request(method, path, body);
      assert.equal(res.status, 202, res.text);
      assert.equal(res.headers.location, `/jobs/${res.json.data.id}`);
      return waitForJob(res.json.data.id);
    },
    dnfTrace: () =>
      ['dnf.log', 'dnf.rpm.log', 'dnf.librepo.log', 'hawkey.log']
        .map((file) => `${file}=${fingerprintFile(join(sandbox.root, 'var/log', file))}`)
        .join(' '),
    async stop() {
      await agentProcess.stop('SIGTERM');
      sandbox.cleanup();
    },
  };
}

/** `action name from > to` of a job's changes, sorted, for compact assertions. */
export function changeSummary(job: JobRecord): string[] {
  return (job.changes as { name: string; action: string; from_version: string | null; to_version: string | null }[])
    .map((c) => `${c.action} ${c.name} ${c.from_version ?? '-'} > ${c.to_version ?? '-'}`)
    .sort();
}

export function versions(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...map].sort());
}

export async function auditRecords(agent: RpmAgent): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(agent.dir, 'log/audit.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
