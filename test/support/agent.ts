/**
 * Run the real agent in tests, on a PKI and config the helper makes in a fresh temp directory.
 *
 * In process (fast; audit records in memory, operational log captured):
 *   const t = await startTestAgent({ allowed: ['127.0.0.1'] });
 *   const res = await t.request('/health');                 // mTLS with t.pki.client
 *   t.audit.records, t.logs                                 // what the agent audited / logged
 *   await t.writeConfig({ tls: { max_client_cert_days: 30 } });   // merged into the config it started with
 *   await t.writeWhitelist(['::1']);                        // both written atomically (temp file + rename)
 *   await t.stop();                                         // stops the agent and removes the directory
 *
 * As a child process (the CLI, signals, stdout log):
 *   const p = await spawnAgentProcess({ configPath });      // waits for the "listening" log line
 *   p.port, p.stdout(); await p.stop('SIGTERM') → exit code
 *
 * `createTestPki(dir)` writes ca.pem, server.pem, server.key and returns a client certificate too;
 * `writeAgentConfig(dir, …)` writes config.yaml + whitelist.yaml (relative paths, port 0 unless told).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { type RunningAgent, startAgent } from '../../core/src/agent.js';
import { MemoryAuditTrail } from '../../core/src/audit/trail.js';
import { type IssuedCertificate, type ServerFiles, TestCa, writeServerFiles } from './pki.js';
import { type MtlsRequestOptions, type MtlsResponse, mtlsRequest } from './tls-client.js';
import { waitFor } from './wait.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface TestPki {
  ca: TestCa;
  server: IssuedCertificate;
  client: IssuedCertificate;
  files: ServerFiles;
}

export async function createTestPki(dir: string): Promise<TestPki> {
  const ca = await TestCa.create();
  const server = await ca.issueServer();
  const client = await ca.issueClient({ cn: 'test-admin' });
  return { ca, server, client, files: await writeServerFiles(dir, ca, server) };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ConfigOverrides = DeepPartial<Record<string, Record<string, unknown>>> & Record<string, unknown>;

function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** The config a test agent starts with: files relative to dir, state and log under dir. */
export function baseConfig(options: { port?: number; bindAddress?: string } = {}): Record<string, unknown> {
  return {
    server: { bind_address: options.bindAddress ?? '127.0.0.1', port: options.port ?? 12443 },
    tls: { ca: 'ca.pem', cert: 'server.pem', key: 'server.key', crl: null, max_client_cert_days: 366 },
    whitelist_file: 'whitelist.yaml',
    paths: { state_dir: 'state', log_dir: 'log' },
    backend: { name: 'auto', root: null },
    audit: { sinks: ['auto'], retention_days: 30 },
  };
}

export async function writeAgentConfig(
  dir: string,
  options: { config?: Record<string, unknown>; allowed?: string[] | null; port?: number; bindAddress?: string } = {},
): Promise<{ configPath: string; whitelistPath: string; config: Record<string, unknown> }> {
  const config = merge(baseConfig(options), options.config ?? {});
  const configPath = join(dir, 'config.yaml');
  const whitelistPath = join(dir, 'whitelist.yaml');
  await writeFile(configPath, stringify(config));
  if (options.allowed !== null) await writeFile(whitelistPath, stringify({ allowed: options.allowed ?? ['127.0.0.1', '::1'] }));
  return { configPath, whitelistPath, config };
}

/** Writes a file as careful tools do: to a temporary name, then renamed over the target. */
export async function replaceFile(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}

export interface TestAgentOptions {
  /** Whitelist entries; default 127.0.0.1 and ::1. null writes no whitelist file. */
  allowed?: string[] | null;
  /** Merged into the base config. */
  config?: Record<string, unknown>;
  /** Listen address (default 127.0.0.1); the port is always ephemeral. */
  bindAddress?: string;
  /** Debounce of the file watchers in ms (default 50). */
  watchDebounceMs?: number;
}

export interface TestAgent {
  dir: string;
  configPath: string;
  whitelistPath: string;
  pki: TestPki;
  agent: RunningAgent;
  port: number;
  audit: MemoryAuditTrail;
  /** Operational log records (parsed pino lines). */
  logs: Record<string, unknown>[];
  /** An mTLS request as the test client (override cert/key/… in options). */
  request(path: string, options?: Partial<MtlsRequestOptions>): Promise<MtlsResponse>;
  /** Rewrites config.yaml: the start config merged with `overrides`. */
  writeConfig(overrides: Record<string, unknown>): Promise<void>;
  writeWhitelist(allowed: string[]): Promise<void>;
  /** Waits until an audit record matching `match` exists and returns it. */
  waitForAudit(event: string, match?: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** A pino logger whose records land in `logs`. */
export function captureLogger(logs: Record<string, unknown>[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return pino({ level: 'debug' }, stream);
}

export async function startTestAgent(options: TestAgentOptions = {}): Promise<TestAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-agent-'));
  try {
    const pki = await createTestPki(dir);
    const written = await writeAgentConfig(dir, {
      ...(options.config === undefined ? {} : { config: options.config }),
      ...(options.allowed === undefined ? {} : { allowed: options.allowed }),
      ...(options.bindAddress === undefined ? {} : { bindAddress: options.bindAddress }),
    });
    const audit = new MemoryAuditTrail();
    const logs: Record<string, unknown>[] = [];
    const agent = await startAgent({
      configPath: written.configPath,
      logger: captureLogger(logs),
      audit,
      listen: { port: 0 },
      watchDebounceMs: options.watchDebounceMs ?? 50,
      stopGraceMs: 2000,
      // In-process tests set services.backend themselves; never load a backend for the host here.
      plugins: false,
    });
    const port = agent.address().port;
    const host = options.bindAddress === '::1' ? '::1' : '127.0.0.1';
    return {
      dir,
      configPath: written.configPath,
      whitelistPath: written.whitelistPath,
      pki,
      agent,
      port,
      audit,
      logs,
      request: (path, extra = {}) =>
        mtlsRequest({
          host,
          port: agent.address().port,
          ca: pki.ca.certPem,
          cert: pki.client.certPem,
          key: pki.client.keyPem,
          path,
          ...extra,
        }),
      async writeConfig(overrides) {
        await replaceFile(written.configPath, stringify(merge(written.config, overrides)));
      },
      async writeWhitelist(allowed) {
        await replaceFile(written.whitelistPath, stringify({ allowed }));
      },
      async waitForAudit(event, match = () => true) {
        return waitFor(() => audit.records.find((record) => record.event === event && match(record)), { what: `audit ${event}` });
      },
      async stop() {
        try {
          await agent.stop();
        } finally {
          await rm(dir, { recursive: true, force: true });
          // A state write still in flight when the agent stopped (the cache file) can recreate the
          // directory: sweep once more a little later, without holding the test up.
          setTimeout(() => void rm(dir, { recursive: true, force: true }).catch(() => {}), 1000).unref();
        }
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface AgentProcess {
  child: ChildProcess;
  port: number;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `linux-patch-api` (from the TypeScript sources, through tsx) as a child process and waits
 * for its "listening" log line. `args` default to `serve --config configPath`.
 */
export async function spawnAgentProcess(options: {
  configPath: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<AgentProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=lpa-source',
      '--import',
      'tsx',
      join(REPO_ROOT, 'core/src/cli.ts'),
      ...(options.args ?? ['serve', '--config', options.configPath]),
    ],
    { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  try {
    const port = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}: ${err || out}`);
        for (const line of out.split('\n')) {
          if (!line.includes('linux-patch-api listening')) continue;
          const record = JSON.parse(line) as { port?: number };
          if (typeof record.port === 'number') return record.port;
        }
        return undefined;
      },
      { timeoutMs: options.timeoutMs ?? 20_000, what: 'the agent to listen' },
    );
    return { child, port, stdout: () => out, stderr: () => err, stop };
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
}

/** Runs `linux-patch-api ARGS` (from the TypeScript sources) to completion: exit code and output. */
export function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=lpa-source', '--import', 'tsx', join(REPO_ROOT, 'core/src/cli.ts'), ...args],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A TCP port that was free a moment ago (for child processes, whose config needs a fixed port). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}
