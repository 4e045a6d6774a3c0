import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/support/agent.js';

export interface JobAgentInfo {
  port: number;
  barePort: number;
  ca: string;
  cert: string;
  key: string;
}

export interface JobAgent {
  child: ChildProcess;
  info: JobAgentInfo;
  /** Sends an IPC command and resolves with the next reply. */
  ipc<T>(message: Record<string, unknown>): Promise<T>;
  /** One HTTPS request over a keep-alive mTLS connection pool; resolves with status and parsed body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: { data: unknown } }>;
  stop(): Promise<void>;
}

/** Starts bench/support/job-agent.ts as a child process with IPC (and --expose-gc). */
export async function startJobAgent(): Promise<JobAgent> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--conditions=lpa-source', '--import', 'tsx', join(REPO_ROOT, 'bench/support/job-agent.ts')],
    { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const info = await new Promise<JobAgentInfo>((resolve, reject) => {
    child.once('message', (message) => resolve(message as JobAgentInfo));
    child.once('exit', (code) => reject(new Error(`the bench agent exited with ${code}`)));
  });
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 16,
    ca: info.ca,
    cert: info.cert,
    key: info.key,
    servername: 'localhost',
  });
  return {
    child,
    info,
    ipc<T>(message: Record<string, unknown>) {
      return new Promise<T>((resolve) => {
        child.once('message', (reply) => resolve(reply as T));
        child.send(message);
      });
    },
    call(method, path, body) {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: info.port,
            method,
            path,
            agent,
            headers:
              payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(payload.length) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    async stop() {
      agent.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'stop' });
      await exited;
    },
  };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Waits until the job is finished, polling GET /jobs/{id}. */
export async function waitForJob(agent: JobAgent, id: string): Promise<void> {
  for (;;) {
    const { json } = await agent.call('GET', `/jobs/${id}`);
    const status = (json.data as { status: string }).status;
    if (status === 'completed' || status === 'failed' || status === 'timed_out') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
