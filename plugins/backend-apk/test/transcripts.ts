/**
 * Replays apk-tools 2.14 outputs (fixtures/captured) for the apk backend, which cannot run apk on
 * this machine. Each transcript entry is keyed by the exact argv the backend builds, with `@ROOT@`
 * for the sandbox root; an entry's `installedAfter` is the lib/apk/db/installed apk leaves behind,
 * written into the root when the entry is replayed, so reads after a mutation see its effect.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandResult, CommandRunner, CommandSpec, Logger } from '@linux-patch-api/core';
import { type RecordedInvocation, type TranscriptEntry, TranscriptRunner } from '@linux-patch-api/core/testing';

export const CAPTURED = fileURLToPath(new URL('./fixtures/captured/', import.meta.url));

interface FixtureEntry {
  id: string;
  argv: string[];
  stdoutFile?: string;
  stderrFile?: string;
  exitCode?: number;
  statusLines?: string[];
  installedAfter?: string;
  source: string;
}

export async function readCaptured(file: string): Promise<string> {
  return readFile(join(CAPTURED, file), 'utf8');
}

async function fixtureEntries(): Promise<FixtureEntry[]> {
  return (JSON.parse(await readCaptured('transcripts.json')) as { entries: FixtureEntry[] }).entries;
}

/** A root holding only lib/apk/db/installed (from fixtures/captured/INSTALLED). */
export async function createApkRoot(installed = 'installed'): Promise<{ root: string; dispose(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'lpa-apk-'));
  await mkdir(join(root, 'lib/apk/db'), { recursive: true });
  await copyFile(join(CAPTURED, installed), join(root, 'lib/apk/db/installed'));
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** Replays the named transcript entries (in the order given) for `root`, applying their effects on the installed db. */
export class ApkTranscriptRunner implements CommandRunner {
  readonly #player: TranscriptRunner;
  readonly #effects: Map<string, (string | undefined)[]>;
  readonly #root: string;

  private constructor(root: string, entries: TranscriptEntry[], effects: Map<string, (string | undefined)[]>) {
    this.#root = root;
    this.#player = new TranscriptRunner(entries);
    this.#effects = effects;
  }

  static async create(root: string, ids: readonly string[]): Promise<ApkTranscriptRunner> {
    const all = await fixtureEntries();
    const entries: TranscriptEntry[] = [];
    const effects = new Map<string, (string | undefined)[]>();
    for (const id of ids) {
      const fixture = all.find((entry) => entry.id === id);
      if (fixture === undefined) throw new Error(`no transcript entry ${id}`);
      const argv = fixture.argv.map((arg) => (arg === '@ROOT@' ? root : arg));
      entries.push({
        argv,
        stdout: fixture.stdoutFile === undefined ? '' : await readCaptured(fixture.stdoutFile),
        stderr: fixture.stderrFile === undefined ? '' : await readCaptured(fixture.stderrFile),
        exitCode: fixture.exitCode ?? 0,
        ...(fixture.statusLines === undefined ? {} : { statusLines: fixture.statusLines }),
        source: fixture.source,
      });
      const key = JSON.stringify(argv);
      effects.set(key, [...(effects.get(key) ?? []), fixture.installedAfter]);
    }
    return new ApkTranscriptRunner(root, entries, effects);
  }

  get invocations(): RecordedInvocation[] {
    return this.#player.invocations;
  }

  get argvs(): string[][] {
    return this.#player.argvs;
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    const result = await this.#player.run(spec);
    const queue = this.#effects.get(JSON.stringify([spec.file, ...spec.args]));
    const installedAfter = queue === undefined ? undefined : queue.length > 1 ? queue.shift() : queue[0];
    if (installedAfter !== undefined) await copyFile(join(CAPTURED, installedAfter), join(this.#root, 'lib/apk/db/installed'));
    return result;
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
