import { readFile } from 'node:fs/promises';
import type { CommandResult, CommandRunner, CommandSpec } from '../contracts/command-runner.js';
import { LpaError } from '../errors.js';
import { RecordingRunner } from './recording-runner.js';

/** One captured run of a real package manager. */
export interface TranscriptEntry {
  /** [absolute program, ...args], exactly as the backend will ask for it. */
  argv: string[];
  stdout?: string;
  stderr?: string;
  /** Default 0. null with `signal` for a process ended by a signal. */
  exitCode?: number | null;
  signal?: string | null;
  /** Lines the program wrote to file descriptor 3 (apt's Status-Fd). */
  statusLines?: string[];
  /** Where and how the output was captured (distribution, tool version); for the reader of the test. */
  source?: string;
}

function keyOf(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

class TranscriptPlayer implements CommandRunner {
  readonly #queues = new Map<string, TranscriptEntry[]>();

  constructor(entries: readonly TranscriptEntry[]) {
    for (const entry of entries) {
      const key = keyOf(entry.argv);
      const queue = this.#queues.get(key) ?? [];
      queue.push(entry);
      this.#queues.set(key, queue);
    }
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    const argv = [spec.file, ...spec.args];
    const queue = this.#queues.get(keyOf(argv));
    if (!queue || queue.length === 0) {
      throw new LpaError('LPA_ERR_BACKEND', `no transcript entry for ${JSON.stringify(argv)}`, { details: { argv } });
    }
    // Entries with the same argv are replayed in order; the last one repeats.
    const entry = (queue.length > 1 ? queue.shift() : queue[0]) as TranscriptEntry;
    if (spec.signal?.aborted) {
      return { exitCode: null, signal: 'SIGTERM', stdout: '', stderr: '', timedOut: false, aborted: true, durationMs: 0 };
    }
    const stdout = entry.stdout ?? '';
    const stderr = entry.stderr ?? '';
    if (spec.onLine) {
      for (const line of splitLines(stdout)) spec.onLine(line, 'stdout');
      for (const line of splitLines(stderr)) spec.onLine(line, 'stderr');
    }
    if (spec.onStatusLine) for (const line of entry.statusLines ?? []) spec.onStatusLine(line);
    return {
      exitCode: entry.exitCode === undefined ? 0 : entry.exitCode,
      signal: entry.signal ?? null,
      stdout,
      stderr,
      timedOut: false,
      aborted: false,
      durationMs: 0,
    };
  }
}

/**
 * Replays captured real outputs keyed by the exact argv, for package managers that cannot run on
 * the test machine (apk, EL7 yum). Every invocation is recorded (see RecordingRunner); an argv
 * without an entry rejects with LPA_ERR_BACKEND naming it, so a backend that asks for something
 * unexpected fails its test instead of getting made-up output.
 */
export class TranscriptRunner extends RecordingRunner {
  constructor(entries: readonly TranscriptEntry[]) {
    super(new TranscriptPlayer(entries));
  }

  /** Loads `{"entries": [TranscriptEntry, …]}` (or a bare array) from a JSON file. */
  static async fromFile(path: string): Promise<TranscriptRunner> {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { entries?: TranscriptEntry[] } | TranscriptEntry[];
    return new TranscriptRunner(Array.isArray(parsed) ? parsed : (parsed.entries ?? []));
  }
}
