import { isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import type { CommandResult, CommandRunner, CommandSpec } from '../contracts/command-runner.js';
import { LpaError } from '../errors.js';

const BASE_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
} as const;

const DEFAULT_KILL_GRACE_MS = 10_000;

function forEachLine(stream: Readable | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (pending.length > 0) onLine(pending);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * execa (with its dependencies about 1.6 MiB of heap and 5 MiB of RSS) loads on the first run: an
 * agent that is only asked for /health never needs it.
 */
let loadedExeca: Promise<typeof import('execa')> | undefined;
const loadExeca = () => {
  loadedExeca ??= import('execa');
  return loadedExeca;
};

/**
 * Runs programs with execa in their own process group (detached) so that a timeout or an abort
 * reaches every descendant: SIGTERM to the group, then SIGKILL after the grace period only if the
 * group is still alive.
 */
export class ProcessRunner implements CommandRunner {
  async run(spec: CommandSpec): Promise<CommandResult> {
    if (!isAbsolute(spec.file)) {
      throw new LpaError('LPA_ERR_INTERNAL', `refusing to run a program by relative name: ${spec.file}`);
    }
    const started = Date.now();
    const statusFd = spec.onStatusLine !== undefined;
    const { execa } = await loadExeca();
    const subprocess = execa(spec.file, [...spec.args], {
      env: { ...BASE_ENV, ...spec.env },
      extendEnv: false,
      cwd: spec.cwd ?? '/',
      shell: false,
      detached: true,
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      ...(spec.input === undefined ? {} : { input: spec.input }),
      // execa refuses `stdio` next to `stdin`/`stdout`/`stderr`: a status pipe needs the array form.
      ...(statusFd
        ? { stdio: [spec.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'] as const }
        : {
            ...(spec.input === undefined ? { stdin: 'ignore' as const } : {}),
            stdout: 'pipe' as const,
            stderr: 'pipe' as const,
          }),
    });

    const pid = subprocess.pid;
    if (pid !== undefined) spec.onSpawn?.(pid);
    if (spec.onLine) {
      const onLine = spec.onLine;
      forEachLine(subprocess.stdout, (line) => onLine(line, 'stdout'));
      forEachLine(subprocess.stderr, (line) => onLine(line, 'stderr'));
    }
    if (statusFd && spec.onStatusLine) {
      forEachLine(subprocess.stdio[3] as Readable | undefined, spec.onStatusLine);
    }

    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stopGroup = () => {
      if (pid === undefined || killTimer !== undefined) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        return;
      }
      killTimer = setTimeout(() => {
        if (isAlive(pid)) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }, spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    const timeoutTimer =
      spec.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stopGroup();
          }, spec.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stopGroup();
    };
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });

    try {
      const result = await subprocess;
      if (result.failed && result.exitCode === undefined && result.signal === undefined) {
        throw new LpaError('LPA_ERR_BACKEND', `could not start ${spec.file}`, {
          cause: result.cause,
          details: { program: spec.file },
        });
      }
      return {
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? ''),
        timedOut,
        aborted,
        durationMs: Date.now() - started,
      };
    } finally {
      if (timeoutTimer) clearTimeout(timeoutTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      // Keep the SIGKILL timer only while descendants of the group may still be alive.
      if (killTimer && pid !== undefined && !isAlive(pid)) clearTimeout(killTimer);
    }
  }
}
