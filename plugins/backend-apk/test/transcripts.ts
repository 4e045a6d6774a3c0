/**
 * Replays real apk-tools 2.14.10 runs (fixtures/apk-2.14.10, copied from a real apk on a sandbox
 * root) for the apk backend, since no apk binary exists on this machine. Each transcript entry
 * (fixtures/transcripts.json) is keyed by the exact argv the backend builds, with `@APK@` for the
 * apk binary and `@ROOT@` for the sandbox root, and names the real case whose stdout, stderr, exit
 * status and progress-fd lines it replays. Like apk, an entry may answer by the database state:
 * `whenInstalled` makes it answer only while ROOT/lib/apk/db/installed equals that state file.
 * Replaying applies what apk leaves behind: `installedAfter` (the new installed database), the
 * `world` edits and `createsFiles`. An argv without a fitting entry rejects with LPA_ERR_BACKEND,
 * so a backend asking for something unexpected fails its test instead of getting made-up output.
 */
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BackendContext,
  type CommandResult,
  type CommandRunner,
  type CommandSpec,
  LpaError,
  type PackageManagerBackend,
} from '@linux-patch-api/core';
import { RecordingRunner, silentLogger } from '@linux-patch-api/core/testing';
import { apkBackendDefinition } from '../src/definition.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** The real outputs, byte for byte. */
export const REAL = join(FIXTURES, 'apk-2.14.10');
const STATES = join(FIXTURES, 'state');

interface FixtureEntry {
  id: string;
  argv: string[];
  /** The real case (`pNN-what`) in fixtures/apk-2.14.10; absent only for the derived entries. */
  case?: string;
  captured: string;
  stdout?: string;
  whenInstalled?: string;
  installedAfter?: string;
  world?: { set?: string[]; remove?: string[] };
  createsFiles?: string[];
}

/** What apk printed and returned in one real case. */
export interface RealCase {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The lines apk wrote on --progress-fd. */
  progressLines: string[];
}

async function optional(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
}

function lines(text: string): string[] {
  if (text === '') return [];
  const split = text.split('\n');
  if (split[split.length - 1] === '') split.pop();
  return split;
}

/** One real case: `.out`, `.err`, `.rc` (`rc=N`) and `.fd3`; a missing file is empty (rc 0). */
export async function readRealCase(name: string): Promise<RealCase> {
  const rc = /^rc=(\d+)/.exec(await optional(join(REAL, `${name}.rc`)));
  return {
    stdout: await optional(join(REAL, `${name}.out`)),
    stderr: await optional(join(REAL, `${name}.err`)),
    exitCode: rc === null ? 0 : Number(rc[1]),
    progressLines: lines(await optional(join(REAL, `${name}.fd3`))),
  };
}

/** stdout then stderr of a real case, as the backend's output reads. */
export async function realOutput(name: string): Promise<string> {
  const real = await readRealCase(name);
  return [real.stdout, real.stderr].filter(Boolean).join('\n');
}

export interface ApkRoot {
  root: string;
  /** A placeholder program standing for apk (backend.apk_path); the transcripts answer instead. */
  apk: string;
  worldPath: string;
  installedPath: string;
  readWorld(): Promise<string>;
  dispose(): Promise<void>;
}

/** A root with lib/apk/db/installed from fixtures/state/STATE and, when given, etc/apk/world. */
export async function createApkRoot(state = 'installed-empty', world?: string): Promise<ApkRoot> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-apk-'));
  const root = join(dir, 'root');
  await mkdir(join(root, 'lib/apk/db'), { recursive: true });
  await mkdir(join(root, 'etc/apk'), { recursive: true });
  const installedPath = join(root, 'lib/apk/db/installed');
  const worldPath = join(root, 'etc/apk/world');
  await copyFile(join(STATES, state), installedPath);
  if (world !== undefined) await writeFile(worldPath, world);
  const apk = join(dir, 'bin/apk');
  await mkdir(dirname(apk), { recursive: true });
  await writeFile(apk, '#!/bin/sh\necho "placeholder for apk in the transcript tests; never run" >&2\nexit 127\n');
  await chmod(apk, 0o755);
  return {
    root,
    apk,
    worldPath,
    installedPath,
    readWorld: () => optional(worldPath),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The apk backend as the agent creates it, on `root` with `runner`, apk at the root's placeholder. */
export async function createApkBackend(
  root: ApkRoot,
  runner: CommandRunner,
  extra: Partial<BackendContext> = {},
): Promise<PackageManagerBackend> {
  return apkBackendDefinition.create({
    root: root.root,
    runner,
    logger: silentLogger,
    stateDir: root.root,
    options: { apk_path: root.apk },
    ...extra,
  });
}

interface Replay {
  id: string;
  argv: string[];
  real: RealCase;
  whenInstalled: string | null;
  installedAfter: string | null;
  world: { set: string[]; remove: string[] };
  createsFiles: string[];
}

function worldName(entry: string): string {
  return entry.replace(/[=<>~@].*$/, '');
}

class TranscriptPlayer implements CommandRunner {
  readonly #root: string;
  readonly #replays: Replay[];
  readonly #used = new Set<Replay>();

  constructor(root: string, replays: Replay[]) {
    this.#root = root;
    this.#replays = replays;
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    const argv = JSON.stringify([spec.file, ...spec.args]);
    const installedPath = join(this.#root, 'lib/apk/db/installed');
    const installed = await optional(installedPath);
    const fitting: Replay[] = [];
    for (const replay of this.#replays) {
      if (JSON.stringify(replay.argv) !== argv) continue;
      if (replay.whenInstalled === null || (await readFile(join(STATES, replay.whenInstalled), 'utf8')) === installed) {
        fitting.push(replay);
      }
    }
    const chosen = fitting.find((replay) => !this.#used.has(replay)) ?? fitting.at(-1);
    if (chosen === undefined) {
      throw new LpaError('LPA_ERR_BACKEND', `no transcript entry for ${argv} in this database state`, { details: { argv } });
    }
    this.#used.add(chosen);
    if (spec.signal?.aborted) {
      return { exitCode: null, signal: 'SIGTERM', stdout: '', stderr: '', timedOut: false, aborted: true, durationMs: 0 };
    }
    const { stdout, stderr, exitCode, progressLines } = chosen.real;
    // The order across the three streams is not recorded; the progress-fd lines go first.
    for (const line of progressLines) spec.onStatusLine?.(line);
    for (const line of lines(stdout)) spec.onLine?.(line, 'stdout');
    for (const line of lines(stderr)) spec.onLine?.(line, 'stderr');
    if (chosen.installedAfter !== null) await copyFile(join(STATES, chosen.installedAfter), installedPath);
    await this.#editWorld(chosen.world);
    for (const file of chosen.createsFiles) {
      await mkdir(dirname(join(this.#root, file)), { recursive: true });
      await writeFile(join(this.#root, file), '');
    }
    return { exitCode, signal: null, stdout, stderr, timedOut: false, aborted: false, durationMs: 0 };
  }

  /** apk keeps world sorted, one dependency a line. */
  async #editWorld(edit: Replay['world']): Promise<void> {
    if (edit.set.length === 0 && edit.remove.length === 0) return;
    const path = join(this.#root, 'etc/apk/world');
    const drop = new Set([...edit.set, ...edit.remove].map(worldName));
    const entries = lines(await optional(path)).filter((entry) => !drop.has(worldName(entry)));
    entries.push(...edit.set);
    entries.sort();
    await writeFile(path, entries.map((entry) => `${entry}\n`).join(''));
  }
}

/** Records every invocation (see RecordingRunner) and replays the named transcript entries for `root`. */
export class ApkTranscriptRunner extends RecordingRunner {
  static async create(root: ApkRoot, ids: readonly string[]): Promise<ApkTranscriptRunner> {
    const all = (JSON.parse(await readFile(join(FIXTURES, 'transcripts.json'), 'utf8')) as { entries: FixtureEntry[] }).entries;
    const replays: Replay[] = [];
    for (const id of ids) {
      const fixture = all.find((entry) => entry.id === id);
      if (fixture === undefined) throw new Error(`no transcript entry ${id}`);
      replays.push({
        id,
        argv: fixture.argv.map((arg) => (arg === '@ROOT@' ? root.root : arg === '@APK@' ? root.apk : arg)),
        real:
          fixture.case === undefined
            ? { stdout: fixture.stdout ?? '', stderr: '', exitCode: 0, progressLines: [] }
            : await readRealCase(fixture.case),
        whenInstalled: fixture.whenInstalled ?? null,
        installedAfter: fixture.installedAfter ?? null,
        world: { set: fixture.world?.set ?? [], remove: fixture.world?.remove ?? [] },
        createsFiles: fixture.createsFiles ?? [],
      });
    }
    return new ApkTranscriptRunner(new TranscriptPlayer(root.root, replays));
  }
}
