/**
 * End-to-end harness for the audit trail: the real agent process (the CLI through tsx) with the
 * real audit plugins and the fake package manager plugin, a test PKI and an mTLS client. Records
 * are read back from what the sinks wrote (log/audit.log and its rotated .gz files).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  type AgentProcess,
  createTestPki,
  freePort,
  REPO_ROOT,
  spawnAgentProcess,
  type TestPki,
  writeAgentConfig,
} from '../support/agent.js';
import { createFakePackageManager, type FakeBehaviour, type FakePackageManager } from '../support/fake-package-manager/index.js';
import { type MtlsResponse, mtlsRequest } from '../support/tls-client.js';
import { waitFor } from '../support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read record fields freely
export type AuditLine = Record<string, any>;

export interface AuditAgentOptions {
  /** `audit.sinks` (default `[auto]`: on this machine neither journald nor /dev/log exists, so the file sink). */
  sinks?: string[];
  /** An absolute `paths.log_dir` (default `<dir>/log`). */
  logDir?: string;
  /** Extra environment, e.g. LPA_JOURNALD_SOCKET. */
  env?: NodeJS.ProcessEnv;
  behaviour?: FakeBehaviour;
  /** Merged into the config. */
  config?: Record<string, unknown>;
}

export interface AuditAgent {
  dir: string;
  configPath: string;
  logDir: string;
  pki: TestPki;
  fakePm: FakePackageManager;
  readonly process: AgentProcess;
  request(method: string, path: string, body?: unknown): Promise<MtlsResponse>;
  /** Every record the file sink holds, oldest first (rotated .gz files, then audit.log). */
  auditRecords(): Promise<AuditLine[]>;
  /** Waits (bounded) for a file-sink record of `event` matching `match`. */
  waitForRecord(event: string, match?: (record: AuditLine) => boolean, timeoutMs?: number): Promise<AuditLine>;
  waitForJob(id: string): Promise<AuditLine>;
  restart(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops the agent (if running) and removes every temporary file. */
  dispose(): Promise<void>;
}

const FAKE_PLUGIN = join(REPO_ROOT, 'test/support/fake-package-manager/plugin.ts');

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

export async function startAuditAgent(options: AuditAgentOptions = {}): Promise<AuditAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-e2e-audit-'));
  const fakePm = await createFakePackageManager({
    installed: { hello: '1.0', old: '2.0' },
    repo: { hello: ['1.0', '1.1'], extra: ['3.0'], old: ['2.0'] },
    ...(options.behaviour === undefined ? {} : { behaviour: options.behaviour }),
  });
  const agentDir = join(dir, 'agent');
  await mkdir(agentDir);
  const pki = await createTestPki(agentDir);
  const logDir = options.logDir ?? join(agentDir, 'log');
  const port = await freePort();
  const { configPath } = await writeAgentConfig(agentDir, {
    port,
    config: {
      backend: { name: 'fake', root: fakePm.root },
      plugins: [FAKE_PLUGIN],
      paths: { state_dir: 'state', log_dir: logDir },
      audit: { sinks: options.sinks ?? ['auto'], retention_days: 30 },
      ...options.config,
    },
  });
  const spawnIt = () => spawnAgentProcess({ configPath, timeoutMs: 60_000, ...(options.env ? { env: options.env } : {}) });
  let current: AgentProcess;
  try {
    current = await spawnIt();
  } catch (error) {
    await fakePm.cleanup();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

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

  const auditRecords = () => readAuditRecords(logDir);
  return {
    dir,
    configPath,
    logDir,
    pki,
    fakePm,
    get process() {
      return current;
    },
    request,
    auditRecords,
    waitForRecord(event, match = () => true, timeoutMs = 20_000) {
      return waitFor(async () => (await auditRecords()).find((record) => record.event === event && match(record)), {
        timeoutMs,
        what: `an audit ${event} record in ${logDir}`,
      });
    },
    waitForJob(id) {
      return waitFor(
        async () => {
          const res = await request('GET', `/jobs/${id}`);
          assert.equal(res.status, 200, res.text);
          return ['completed', 'failed', 'timed_out'].includes(res.json.data.status) ? res.json.data : undefined;
        },
        { timeoutMs: 60_000, what: `job ${id} to finish` },
      );
    },
    async restart() {
      current = await spawnIt();
    },
    stop: (signal = 'SIGTERM') => current.stop(signal),
    async dispose() {
      await current.stop('SIGKILL');
      await fakePm.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
