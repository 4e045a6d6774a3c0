/**
 * Every process the agent starts goes through one CommandRunner: argument arrays only (never a
 * shell), an absolute binary path, a scrubbed environment, a timeout and an AbortSignal that stop
 * the whole process group (SIGTERM, a grace period, then SIGKILL only if still alive).
 */
export interface CommandSpec {
  /** Absolute path of the program; relative names are refused. */
  file: string;
  args: readonly string[];
  /** Added to the scrubbed base environment (PATH, LANG=C.UTF-8, LC_ALL=C.UTF-8). */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Written to stdin, then stdin is closed. Without it stdin is /dev/null. */
  input?: string;
  /** Stop the process group after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Aborting stops the process group; the result then has `aborted: true`. */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL (default 10 000). */
  killGraceMs?: number;
  /** Called with each complete line of stdout / stderr as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Open a pipe as file descriptor 3 of the child and call this with each line written to it
   * (for apt's `-o APT::Status-Fd=3`).
   */
  onStatusLine?: (line: string) => void;
  /** Called once with the child's pid after it started. */
  onSpawn?: (pid: number) => void;
}

export interface CommandResult {
  /** null when the process was ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export interface CommandRunner {
  /**
   * Runs the command to completion. Resolves for any exit code (the caller judges it); rejects
   * only when the program could not be started (an LpaError with code LPA_ERR_BACKEND).
   */
  run(spec: CommandSpec): Promise<CommandResult>;
}
