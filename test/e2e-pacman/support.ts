/**
 * End-to-end harness for the pacman backend: the real agent process (the CLI, through tsx) with
 * `backend: {name: pacman, root: SANDBOX}`, a test PKI and an mTLS client, on a pacman sandbox root
 * whose repository is published in stages (see ../support/sandbox/pacman.ts).
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AgentProcess,
  createTestPki,
  freePort,
  spawnAgentProcess,
  type TestPki,
  writeAgentConfig,
} from '../support/agent.js';
import { fingerprintFile } from '../support/sandbox/common.js';
import { createPacmanSandbox, type PacmanSandbox, type PacmanSandboxOptions } from '../support/sandbox/pacman.js';
import { type MtlsResponse, mtlsRequest } from '../support/tls-client.js';
import { waitFor } from '../support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read job fields freely
export type JobRecord = any;

const HOST_FILES = ['/var/lib/pacman/local/ALPM_DB_VERSION', '/var/lib/pacman/db.lck', '/var/log/pacman.log', '/etc/pacman.conf'];

/** Fingerprints the host's pacman files now (normally absent on this Debian machine); the check asserts them unchanged. */
export function hostPacmanState(): () => void {
  const before = new Map(HOST_FILES.map((path) => [path, fingerprintFile(path)]));
  return () => {
    for (const path of HOST_FILES) assert.equal(fingerprintFile(path), before.get(path), `the host's ${path} changed`);
  };
}

export interface PacmanAgent {
  sandbox: PacmanSandbox;
  dir: string;
  pki: TestPki;
  process: AgentProcess;
  request(method: string, path: string, body?: unknown): Promise<MtlsResponse>;
  waitForJob(id: string, timeoutMs?: number): Promise<JobRecord>;
  /** Submits (expects 202 + Location) and waits for the job to finish. */
  runJob(method: string, path: string, body?: unknown): Promise<JobRecord>;
  /** The root's own pacman.log: every pacman run on the root appends to it. */
  pacmanLog(): Promise<string>;
  stop(): Promise<void>;
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
  const dir = join(sandbox.dir, 'agent');
  await mkdir(dir, { recursive: true });
  const pki = await createTestPki(dir);
  const port = await freePort();
  const { configPath } = await writeAgentConfig(dir, {
    port,
    config: {
      backend: { name: options.autoDetect ? 'auto' : 'pacman', root: sandbox.root },
      audit: { sinks: ['file'], retention_days: 30 },
      jobs: { max_concurrent: 5, timeout_seconds: 600, max_queued: 100, retention_seconds: 86400, lock_wait_seconds: 60 },
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

  const waitForJob = async (id: string, timeoutMs = 120_000) =>
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
    async pacmanLog() {
      return readFile(join(sandbox.root, 'var/log/pacman.log'), 'utf8').catch(() => '');
    },
    async stop() {
      await agentProcess.stop('SIGTERM');
      sandbox.dispose();
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
