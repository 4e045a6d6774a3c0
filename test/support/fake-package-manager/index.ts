import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandRunner } from '@linux-patch-api/core';
import { FakePackageManagerBackend } from './backend.js';

export { compareFakeVersions, FAKE_PM_SCRIPT, FakePackageManagerBackend } from './backend.js';

/** What fake-pm.mjs can be told to do (the `behaviour` field of its database). */
export interface FakeBehaviour {
  /** How long each mutation works, spread over its progress lines. */
  sleepMs?: number;
  progressSteps?: number;
  ignoreSigterm?: boolean;
  /** Start a grandchild (`sleep 600`) in the process group and write its pid here. */
  grandchildPidFile?: string;
  /** The next N installs/upgrades fail with a download error. */
  fetchFailures?: number;
  /** The next N refreshes fail with a download error. */
  refreshFailures?: number;
  refreshSleepMs?: number;
  /** Install this version instead of the asked one (the package manager knows better). */
  versionOverride?: Record<string, string>;
  /** Also install these (a dependency the request did not name). */
  alsoInstall?: Record<string, string>;
  /** Print an output line with every progress step. */
  logLines?: boolean;
  /** Change the database first, then do the slow part (a stuck post-install script). */
  applyFirst?: boolean;
  /** Exit with this code after doing the work. */
  exitCode?: number;
}

export interface FakeDatabase {
  installed: Record<string, string>;
  repo: Record<string, string[]>;
  /** Which packages' updates are security updates; absent = the distro has no such metadata. */
  security?: Record<string, boolean>;
  behaviour: FakeBehaviour;
  index_updated_at?: string;
  counters?: { refresh?: number; repair?: number };
}

export interface FakePackageManager {
  readonly root: string;
  readonly dbPath: string;
  backend(runner: CommandRunner, killGraceMs?: number): FakePackageManagerBackend;
  read(): Promise<FakeDatabase>;
  setBehaviour(behaviour: FakeBehaviour): Promise<void>;
  /**
   * Changes the database the way fake-pm.mjs does, by replacing the file: a backend reading it
   * meanwhile sees the old or the new database, never half of one.
   */
  update(change: (db: FakeDatabase) => void): Promise<void>;
  /** `start PID KIND` / `end PID KIND` lines of every mutation and refresh, in order. */
  events(): Promise<string[]>;
  /** Simulate another process holding the package-manager lock. */
  holdForeignLock(pid: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** Creates a fake package manager with its database in a fresh temporary root. */
export async function createFakePackageManager(
  initial: Partial<Omit<FakeDatabase, 'behaviour'>> & { behaviour?: FakeBehaviour } = {},
): Promise<FakePackageManager> {
  const root = await mkdtemp(join(tmpdir(), 'lpa-fake-pm-'));
  const dir = join(root, 'var/lib/fake-pm');
  await mkdir(dir, { recursive: true });
  const dbPath = join(dir, 'db.json');
  const db: FakeDatabase = {
    installed: initial.installed ?? { hello: '1.0' },
    repo: initial.repo ?? { hello: ['1.0', '1.1'], dep: ['1.0'] },
    ...(initial.security === undefined ? {} : { security: initial.security }),
    behaviour: initial.behaviour ?? {},
    ...(initial.index_updated_at === undefined ? {} : { index_updated_at: initial.index_updated_at }),
  };
  await writeFile(dbPath, `${JSON.stringify(db, null, 2)}\n`);
  // So that backend selection by os-release (backend.root) picks the fake backend's plugin.
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/os-release'), 'ID=lpa-fake\nNAME="Fake package manager root"\nVERSION_ID=1\n');
  const read = async () => JSON.parse(await readFile(dbPath, 'utf8')) as FakeDatabase;
  const update = async (change: (db: FakeDatabase) => void) => {
    const current = await read();
    change(current);
    const temp = `${dbPath}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(current, null, 2)}\n`);
    await rename(temp, dbPath);
  };
  return {
    root,
    dbPath,
    backend: (runner, killGraceMs) =>
      new FakePackageManagerBackend({ runner, dbPath, ...(killGraceMs === undefined ? {} : { killGraceMs }) }),
    read,
    setBehaviour: (behaviour) =>
      update((current) => {
        current.behaviour = behaviour;
      }),
    update,
    async events() {
      const file = join(dir, 'events.log');
      if (!existsSync(file)) return [];
      return (await readFile(file, 'utf8')).split('\n').filter((line) => line.length > 0);
    },
    async holdForeignLock(pid) {
      await writeFile(join(dir, 'foreign.lock'), String(pid));
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Whether any two runs in an events() list overlapped. */
export function runsOverlapped(events: readonly string[]): boolean {
  let open = 0;
  for (const event of events) {
    open += event.startsWith('start ') ? 1 : -1;
    if (open > 1) return true;
  }
  return false;
}
