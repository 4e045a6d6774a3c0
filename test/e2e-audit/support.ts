/**
 * End-to-end harness for the audit trail: the real agent process (the CLI through tsx) with the
 * real audit plugins and the fake package manager plugin, a test PKI and an mTLS client. Records
 * are read back from what the sinks wrote (log/audit.log and its rotated .gz files).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/agent.js';
import { type AuditLine, type E2eAgent, extendAgent, startE2eAgent } from '../support/e2e-agent.js';
import { createFakePackageManager, type FakeBehaviour, type FakePackageManager } from '../support/fake-package-manager/index.js';
import { waitFor } from '../support/wait.js';

export { type AuditLine, readAuditRecords } from '../support/e2e-agent.js';

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

export interface AuditAgent extends Omit<E2eAgent, 'runJob' | 'waitForJob'> {
  /** The temp directory holding the agent's directory and the fake package manager's root. */
  dir: string;
  fakePm: FakePackageManager;
  /** Waits (bounded) for a file-sink record of `event` matching `match`. */
  waitForRecord(event: string, match?: (record: AuditLine) => boolean, timeoutMs?: number): Promise<AuditLine>;
  waitForJob(id: string): Promise<AuditLine>;
  /** Stops the agent (if running) and removes every temporary file. */
  dispose(): Promise<void>;
}

const FAKE_PLUGIN = join(REPO_ROOT, 'test/support/fake-package-manager/plugin.ts');

export async function startAuditAgent(options: AuditAgentOptions = {}): Promise<AuditAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-e2e-audit-'));
  const fakePm = await createFakePackageManager({
    installed: { hello: '1.0', old: '2.0' },
    repo: { hello: ['1.0', '1.1'], extra: ['3.0'], old: ['2.0'] },
    ...(options.behaviour === undefined ? {} : { behaviour: options.behaviour }),
  });
  let agent: E2eAgent;
  try {
    agent = await startE2eAgent({
      dir: join(dir, 'agent'),
      jobTimeoutMs: 60_000,
      ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
      ...(options.env ? { env: options.env } : {}),
      config: {
        backend: { name: 'fake', root: fakePm.root },
        plugins: [FAKE_PLUGIN],
        paths: { state_dir: 'state', log_dir: options.logDir ?? join(dir, 'agent', 'log') },
        audit: { sinks: options.sinks ?? ['auto'], retention_days: 30 },
        ...options.config,
      },
    });
  } catch (error) {
    await fakePm.cleanup();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const auditAgent = extendAgent(agent, {
    dir,
    fakePm,
    waitForRecord(event: string, match: (record: AuditLine) => boolean = () => true, timeoutMs = 20_000) {
      return waitFor(async () => (await agent.auditRecords()).find((record) => record.event === event && match(record)), {
        timeoutMs,
        what: `an audit ${event} record in ${agent.logDir}`,
      });
    },
    waitForJob: (id: string): Promise<AuditLine> => agent.waitForJob(id),
    async dispose() {
      await agent.process.stop('SIGKILL');
      await fakePm.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  });
  return auditAgent;
}
