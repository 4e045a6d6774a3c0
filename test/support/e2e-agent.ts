/**
 * The real agent as a child process for end-to-end tests: a test PKI, a config on a free port, and
 * an mTLS client, all in one directory the caller owns (the backend or audit harness removes it).
 *
 *   const agent = await startE2eAgent({ dir, config: { backend: { name: 'apt', root } } });
 *   await agent.request('GET', '/health');                  // mTLS with agent.pki.client
 *   const job = await agent.runJob('POST', '/packages', { names: ['hello'] });   // 202 + Location, then waits
 *   await agent.auditRecords();                             // what the file sink wrote (rotated .gz first)
 *   await agent.stop('SIGKILL'); await agent.restart();     // same config and state
 *
 * Package-manager harnesses start through `startBackendAgent(sandbox, …)`, which adds the backend,
 * the file audit sink and roomy job limits to the config, and whose `stop()` also disposes the sandbox.
 * `extendAgent(agent, { … })` adds a harness's own members without freezing the `process` getter.
 * `assertNamesRefused(agent, names, { validName })` is the injection check every backend shares.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type AgentProcess, createTestPki, freePort, spawnAgentProcess, type TestPki, writeAgentConfig } from './agent.js';
import { fingerprintFile } from './sandbox/common.js';
import { type MtlsResponse, mtlsRequest } from './tls-client.js';
import { waitFor } from './wait.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read job fields freely
export type JobRecord = any;
// biome-ignore lint/suspicious/noExplicitAny: tests read record fields freely
export type AuditLine = Record<string, any>;

export interface E2eAgentOptions {
  /** The agent's directory (created if missing): config.yaml, PKI files, state/, log/. */
  dir: string;
  /** Merged into the test base config (see writeAgentConfig). */
  config: Record<string, unknown>;
  /** Where the file sink writes, for auditRecords() (default `<dir>/log`). */
  logDir?: string;
  /** Extra environment for the agent process. */
  env?: NodeJS.ProcessEnv;
  /** Default bound of waitForJob. */
  jobTimeoutMs: number;
}

export interface E2eAgent {
  dir: string;
  configPath: string;
  logDir: string;
  pki: TestPki;
  /** The running process (a new one after restart()). */
  readonly process: AgentProcess;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<MtlsResponse>;
  /** Polls GET /jobs/{id} until the job is completed, failed or timed_out. */
  waitForJob(id: string, timeoutMs?: number): Promise<JobRecord>;
  /** Submits (expects 202 + Location) and waits for the job to finish. */
  runJob(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<JobRecord>;
  /** Every record the file sink holds, oldest first (rotated .gz files, then audit.log). */
  auditRecords(): Promise<AuditLine[]>;
  /** Starts the agent again on the same config and state (after stop or a kill). */
  restart(): Promise<void>;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function readAuditRecords(logDir: string): Promise<AuditLine[]> {
  if (!existsSync(logDir)) return [];
  const names = await readdir(logDir);
  const rotated = names.filter((name) => /^audit-.*\.log\.gz$/.test(name)).sort();
  const files = [...rotated, ...(names.includes('audit.log') ? ['audit.log'] : [])];
  const records: AuditLine[] = [];
  for (const name of files) {
    const raw = await readFile(join(logDir, name));
    const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    for (const line of text.split('\n')) if (line.trim() !== '') records.push(JSON.parse(line) as AuditLine);
  }
  return records;
}

/** The rollback store's index of an agent started here: what was kept, and how (`via`). */
export async function keptPackages(
  agentDir: string,
): Promise<{ name: string; version: string; via: string; file: string; size: number }[]> {
  const index = JSON.parse(await readFile(join(agentDir, 'state', 'rollback-store', 'index.json'), 'utf8'));
  return index.packages;
}

export async function startE2eAgent(options: E2eAgentOptions): Promise<E2eAgent> {
  const { dir } = options;
  await mkdir(dir, { recursive: true });
  const pki = await createTestPki(dir);
  const logDir = options.logDir ?? join(dir, 'log');
  const port = await freePort();
  const { configPath } = await writeAgentConfig(dir, { port, config: options.config });
  const spawnIt = () => spawnAgentProcess({ configPath, timeoutMs: 60_000, ...(options.env ? { env: options.env } : {}) });
  let current = await spawnIt();

  const request = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
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
      ...(headers === undefined ? {} : { headers }),
    });

  const waitForJob = (id: string, timeoutMs = options.jobTimeoutMs) =>
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
    dir,
    configPath,
    logDir,
    pki,
    get process() {
      return current;
    },
    request,
    waitForJob,
    async runJob(method, path, body, headers) {
      const res = await request(method, path, body, headers);
      assert.equal(res.status, 202, res.text);
      assert.equal(res.headers.location, `/jobs/${res.json.data.id}`);
      return waitForJob(res.json.data.id);
    },
    auditRecords: () => readAuditRecords(logDir),
    async restart() {
      current = await spawnIt();
    },
    stop: (signal = 'SIGTERM') => current.stop(signal),
  };
}

/** `base` with `extra`'s members added (or replacing base's); getters such as `process` stay live. */
export function extendAgent<B extends object, X extends object>(base: B, extra: X): Omit<B, keyof X> & X {
  return Object.defineProperties(
    {},
    { ...Object.getOwnPropertyDescriptors(base), ...Object.getOwnPropertyDescriptors(extra) },
  ) as Omit<B, keyof X> & X;
}

export interface BackendSandbox {
  /** The sandbox's temp directory; the agent lives in `<dir>/agent`. */
  dir: string;
  /** The throwaway root the backend manages. */
  root: string;
}

export interface BackendAgentOptions {
  /** `backend.name` (e.g. apt, dnf, auto). */
  backend: string;
  /** `plugins` to load besides the installed ones. */
  plugins?: string[];
  /** Merged (shallowly) over the harness config: a `jobs` given here replaces the default limits. */
  config?: Record<string, unknown>;
  jobTimeoutMs: number;
  /** Removes the sandbox; runs after the agent has stopped. */
  disposeSandbox: () => void;
}

export type BackendAgent<S extends BackendSandbox> = Omit<E2eAgent, 'stop'> & {
  sandbox: S;
  /** Stops the agent (SIGTERM) and removes the sandbox. */
  stop(): Promise<void>;
};

/** The agent on a package-manager sandbox: `backend: {name, root: sandbox.root}`, file audit sink. */
export async function startBackendAgent<S extends BackendSandbox>(
  sandbox: S,
  options: BackendAgentOptions,
): Promise<BackendAgent<S>> {
  const agent = await startE2eAgent({
    dir: join(sandbox.dir, 'agent'),
    jobTimeoutMs: options.jobTimeoutMs,
    config: {
      backend: { name: options.backend, root: sandbox.root },
      audit: { sinks: ['file'], retention_days: 30 },
      jobs: { max_concurrent: 5, timeout_seconds: 600, max_queued: 100, retention_seconds: 86400, lock_wait_seconds: 60 },
      ...(options.plugins ? { plugins: options.plugins } : {}),
      ...options.config,
    },
  });
  const backendAgent = extendAgent(agent, {
    sandbox,
    async stop() {
      await agent.stop('SIGTERM');
      options.disposeSandbox();
    },
  });
  return backendAgent;
}

/** Fingerprints the given host files now; the returned check asserts they are unchanged. */
export function hostFilesUnchanged(paths: string[]): () => void {
  const before = new Map(paths.map((path) => [path, fingerprintFile(path)]));
  return () => {
    for (const path of paths) assert.equal(fingerprintFile(path), before.get(path), `the host's ${path} changed`);
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

/**
 * Sends each name to every endpoint that takes a package name (install by name and as a version,
 * update, delete, get, patch apply; with `pinnedUpdate` also `PUT /packages/{validName}` with the
 * name as version) and asserts each answer is 400 VALIDATION_ERROR.
 */
export async function assertNamesRefused(
  agent: Pick<E2eAgent, 'request'>,
  names: string[],
  options: { validName: string; pinnedUpdate?: boolean },
): Promise<void> {
  const { validName } = options;
  for (const name of names) {
    const attempts = [
      await agent.request('POST', '/packages', { packages: [{ name }] }),
      await agent.request('POST', '/packages', { packages: [{ name: validName, version: name }] }),
      await agent.request('PUT', `/packages/${encodeURIComponent(name)}`),
      ...(options.pinnedUpdate ? [await agent.request('PUT', `/packages/${validName}`, { version: name })] : []),
      await agent.request('DELETE', `/packages/${encodeURIComponent(name)}`),
      await agent.request('GET', `/packages/${encodeURIComponent(name)}`),
      await agent.request('POST', '/patches/apply', { packages: [name] }),
    ];
    for (const res of attempts) {
      assert.equal(res.status, 400, `${JSON.stringify(name)}: ${res.status} ${res.text}`);
      assert.equal(res.json.error.code, 'VALIDATION_ERROR');
    }
  }
}
