/**
 * End-to-end harness for the apt backend: the real agent process (the CLI, through tsx) with
 * `backend: {name: apt, root: SANDBOX}`, a test PKI, and an mTLS client, on an apt sandbox root.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AgentProcess,
  createTestPki,
  freePort,
  spawnAgentProcess,
  type TestPki,
  writeAgentConfig,
} from '../support/agent.js';
import { type AptSandbox, type AptSandboxOptions, createAptSandbox } from '../support/sandbox/apt.js';
import { fingerprintFile } from '../support/sandbox/common.js';
import { type MtlsResponse, mtlsRequest } from '../support/tls-client.js';
import { waitFor } from '../support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read job fields freely
export type JobRecord = any;

const HOST_FILES = ['/var/lib/dpkg/status', '/var/log/dpkg.log', '/var/log/apt/history.log', '/var/log/apt/term.log'];

/** Fingerprints the host's dpkg database and logs now; the returned check asserts they are unchanged. */
export function hostPackageState(): () => void {
  const before = new Map(HOST_FILES.map((path) => [path, fingerprintFile(path)]));
  return () => {
    for (const path of HOST_FILES) assert.equal(fingerprintFile(path), before.get(path), `the host's ${path} changed`);
  };
}

export interface AptAgentOptions {
  sandbox?: AptSandboxOptions;
  /** Merged into the agent config (e.g. `{ jobs: { lock_wait_seconds: 1 } }`). */
  config?: Record<string, unknown>;
  /** Runs on the sandbox before the agent starts. */
  prepare?: (sandbox: AptSandbox) => Promise<void>;
}

export interface AptAgent {
  sandbox: AptSandbox;
  /** The agent's directory: config.yaml, PKI files, state/, log/. */
  dir: string;
  pki: TestPki;
  process: AgentProcess;
  request(method: string, path: string, body?: unknown): Promise<MtlsResponse>;
  /** Polls GET /jobs/{id} until the job is completed, failed or timed_out. */
  waitForJob(id: string, timeoutMs?: number): Promise<JobRecord>;
  /** Submits (expects 202 + Location) and waits for the job to finish. */
  runJob(method: string, path: string, body?: unknown): Promise<JobRecord>;
  /** The audit records the file sink wrote (log/audit.log). */
  auditRecords(): Promise<Record<string, unknown>[]>;
  /** Starts the agent again on the same config and state (after stop or a kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAptAgent(options: AptAgentOptions = {}): Promise<AptAgent> {
  const sandbox = await createAptSandbox(options.sandbox);
  await options.prepare?.(sandbox);
  const dir = join(sandbox.dir, 'agent');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const pki = await createTestPki(dir);
  const port = await freePort();
  const { configPath } = await writeAgentConfig(dir, {
    port,
    config: {
      backend: { name: 'apt', root: sandbox.root },
      audit: { sinks: ['file'], retention_days: 30 },
      jobs: { max_concurrent: 5, timeout_seconds: 600, max_queued: 100, retention_seconds: 86400, lock_wait_seconds: 60 },
      ...options.config,
    },
  });
  let current = await spawnAgentProcess({ configPath, timeoutMs: 60_000 });

  const request = (method: string, path: string, body?: unknown) =>
    mtlsRequest({
      host: '127.0.0.1',
      port: current.port,
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

  const agent: AptAgent = {
    sandbox,
    dir,
    pki,
    get process() {
      return current;
    },
    request,
    waitForJob,
    async runJob(method, path, body) {
      const res = await request(method, path, body);
      assert.equal(res.status, 202, res.text);
      assert.equal(res.headers.location, `/jobs/${res.json.data.id}`);
      return waitForJob(res.json.data.id);
    },
    async auditRecords() {
      let text: string;
      try {
        text = await readFile(join(dir, 'log/audit.log'), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async restart() {
      current = await spawnAgentProcess({ configPath, timeoutMs: 60_000 });
    },
    async stop() {
      await current.stop('SIGTERM');
      sandbox.dispose();
    },
  };
  return agent;
}

/** `name → version` of a job's changes, for compact assertions. */
export function changeSummary(job: JobRecord): string[] {
  return (job.changes as { name: string; action: string; from_version: string | null; to_version: string | null }[])
    .map((c) => `${c.action} ${c.name} ${c.from_version ?? '-'} > ${c.to_version ?? '-'}`)
    .sort();
}

export function versions(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...map].sort());
}
