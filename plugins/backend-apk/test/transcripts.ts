/**
 * Replays apk-tools 2.14 outputs (fixtures/captured) for the apk backend, which cannot run apk on
 * this machine. Each transcript entry is keyed by the exact argv the backend builds, with `@ROOT@`
 * for the sandbox root. Like apk, an entry may answer by the database state: `whenInstalled` makes
 * it answer only while ROOT/lib/apk/db/installed equals that fixture. Replaying an entry applies
 * what apk would leave behind: `installedAfter` (the new installed database) and `createsFiles`.
 * An argv without a fitting entry rejects with LPA_ERR_BACKEND, so a backend asking for something
 * unexpected fails its test instead of getting made-up output.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CommandResult, type CommandRunner, type CommandSpec, type Logger, LpaError } from '@linux-patch-api/core';
import { RecordingRunner } from '@linux-patch-api/core/testing';

export const CAPTURED = fileURLToPath(new URL('./fixtures/captured/', import.meta.url));

interface FixtureEntry {
  id: string;
  argv: string[];
  stdoutFile?: string;
  stderrFile?: string;
  exitCode?: number;
  statusLines?: string[];
  whenInstalled?: string;
  installedAfter?: string;
  createsFiles?: string[];
  source: string;
}

interface Replay {
  argv: string[];
  stdout: string;
  stderr: string;
  exitCode: number;
  statusLines: string[];
  whenInstalled: string | null;
  installedAfter: string | null;
  createsFiles: string[];
}

export async function readCaptured(file: string): Promise<string> {
  return readFile(join(CAPTURED, file), 'utf8');
}

/** A root holding only lib/apk/db/installed (from fixtures/captured/INSTALLED). */
export async function createApkRoot(installed = 'installed'): Promise<{ root: string; dispose(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'lpa-apk-'));
  await mkdir(join(root, 'lib/apk/db'), { recursive: true });
  await copyFile(join(CAPTURED, installed), join(root, 'lib/apk/db/installed'));
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}

function lines(text: string): string[] {
  const split = text.split('\n');
  if (split[split.length - 1] === '') split.pop();
  return text === '' ? [] : split;
}

class TranscriptPlayer implements CommandRunner {
  readonly #root: string;
  readonly #replays: Replay[];

  constructor(root: string, replays: Replay[]) {
    this.#root = root;
    this.#replays = replays;
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    const argv = JSON.stringify([spec.file, ...spec.args]);
    const candidates = this.#replays.filter((replay) => JSON.stringify(replay.argv) === argv);
    const installedPath = join(this.#root, 'lib/apk/db/installed');
    const installed = await readFile(installedPath, 'utf8').catch(() => '');
    let chosen: Replay | undefined;
    for (const replay of candidates) {
      if (replay.whenInstalled !== null && (await readCaptured(replay.whenInstalled)) === installed) chosen ??= replay;
    }
    chosen ??= candidates.find((replay) => replay.whenInstalled === null);
    if (chosen === undefined) {
      throw new LpaError('LPA_ERR_BACKEND', `no transcript entry for ${argv} in this database state`, { details: { argv } });
    }
    if (spec.signal?.aborted) {
      return { exitCode: null, signal: 'SIGTERM', stdout: '', stderr: '', timedOut: false, aborted: true, durationMs: 0 };
    }
    for (const line of lines(chosen.stdout)) spec.onLine?.(line, 'stdout');
    for (const line of lines(chosen.stderr)) spec.onLine?.(line, 'stderr');
    for (const line of chosen.statusLines) spec.onStatusLine?.(line);
    if (chosen.installedAfter !== null) await copyFile(join(CAPTURED, chosen.installedAfter), installedPath);
    for (const file of chosen.createsFiles) {
      await mkdir(dirname(join(this.#root, file)), { recursive: true });
      await writeFile(join(this.#root, file), '');
    }
    return {
      exitCode: chosen.exitCode,
      signal: null,
      stdout: chosen.stdout,
      stderr: chosen.stderr,
      timedOut: false,
      aborted: false,
      durationMs: 0,
    };
  }
}

/** Records every invocation (see RecordingRunner) and replays the named transcript entries for `root`. */
export class ApkTranscriptRunner extends RecordingRunner {
  static async create(root: string, ids: readonly string[]): Promise<ApkTranscriptRunner> {
    const all = (JSON.parse(await readCaptured('transcripts.json')) as { entries: FixtureEntry[] }).entries;
    const replays: Replay[] = [];
    for (const id of ids) {
      const fixture = all.find((entry) => entry.id === id);
      if (fixture === undefined) throw new Error(`no transcript entry ${id}`);
      replays.push({
        argv: fixture.argv.map((arg) => (arg === '@ROOT@' ? root : arg)),
        stdout: fixture.stdoutFile === undefined ? '' : await readCaptured(fixture.stdoutFile),
        stderr: fixture.stderrFile === undefined ? '' : await readCaptured(fixture.stderrFile),
        exitCode: fixture.exitCode ?? 0,
        statusLines: fixture.statusLines ?? [],
        whenInstalled: fixture.whenInstalled ?? null,
        installedAfter: fixture.installedAfter ?? null,
        createsFiles: fixture.createsFiles ?? [],
      });
    }
    return new ApkTranscriptRunner(new TranscriptPlayer(root, replays));
  }
}

export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return silentLogger;
  },
};
