/**
 * Server processes for the benches: spawned with stdout going to a file (so that reading the
 * agent's request log costs the load generator nothing), ready once that file holds the server's
 * "listening" JSON line; their RSS and CPU time read from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../test/support/agent.js';

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Spawn to the "listening" line. */
  readyMs: number;
}

export async function startServerProcess(
  args: string[],
  marker: string,
  logFile: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ServerProcess> {
  const out = openSync(logFile, 'w');
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? REPO_ROOT,
    stdio: ['ignore', out, 'inherit'],
    ...(options.env ? { env: options.env } : {}),
  });
  closeSync(out);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    const line = readFileSync(logFile, 'utf8')
      .split('\n')
      .find((candidate) => candidate.includes(marker));
    if (line !== undefined) {
      const readyMs = performance.now() - started;
      return { child, pid: child.pid ?? 0, port: (JSON.parse(line) as { port: number }).port, readyMs };
    }
    if (exited) throw new Error(`${args.join(' ')} exited before listening: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export async function stopServerProcess(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  await exited;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU seconds the process has used so far (what its process.cpuUsage() reports). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
