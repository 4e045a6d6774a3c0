/**
 * What a cold GET /patches on apt is made of: each apt run the backend's upgrade list uses, timed
 * alone on the bench root (seeded from this host, as `bench all` does), against `apt list
 * --upgradable` (P3's denominator), with apt's pkgcache.bin warm (as apt leaves it) and cold
 * (deleted before each run). The runs alternate within each round; medians over the rounds.
 *
 *   npm run bench -- apt-upgrade-steps      (LPA_BENCH_ROUNDS, default 7)
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createAptSandbox, HELLO, SEC } from '../test/support/sandbox/apt.js';
import { seedAptRootFromHost } from './support/seed-apt-root.js';
import { loadAverage, median } from './support/statistics.js';

const ROUNDS = Number(process.env.LPA_BENCH_ROUNDS ?? 7);
const NO_LOCK = ['-o', 'Debug::NoLocking=1'];

const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] });
try {
  await seedAptRootFromHost(sandbox);
  const env = { ...sandbox.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' };
  const run = (file: string, args: readonly string[]) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      execFile(file, [...args], { env, maxBuffer: 1 << 28 }, (error) =>
        error ? reject(error) : resolve(performance.now() - started),
      );
    });
  const installed = (
    await new Promise<string>((resolve, reject) =>
      execFile(
        '/usr/bin/dpkg-query',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
        [`--admindir=${sandbox.root}/var/lib/dpkg`, '-W', '-f=${Package}\n'],
        { maxBuffer: 1 << 26 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    )
  )
    .split('\n')
    .filter((name) => name.length > 0);
  const names = [...new Set(installed)];
  const steps: [string, string, string[]][] = [
    ['apt list --upgradable (P3 denominator; the listing)', '/usr/bin/apt', ['list', '--upgradable', '-q', ...NO_LOCK]],
    [
      'apt-get -V --print-uris dist-upgrade (what it keeps back)',
      '/usr/bin/apt-get',
      ['-q', '-V', '--print-uris', ...NO_LOCK, 'dist-upgrade'],
    ],
    [
      'apt-get -s dist-upgrade (a simulation, for comparison)',
      '/usr/bin/apt-get',
      ['-q', '-V', '-s', ...NO_LOCK, 'dist-upgrade'],
    ],
    ['apt-get check (cache and dependency state only)', '/usr/bin/apt-get', ['-q', ...NO_LOCK, 'check']],
    [
      `apt-cache policy of every installed name (${names.length}; with preferences)`,
      '/usr/bin/apt-cache',
      ['policy', ...NO_LOCK, '--', ...names],
    ],
  ];
  const caches = ['pkgcache.bin', 'srcpkgcache.bin'].map((name) => join(sandbox.root, 'var/cache/apt', name));
  const times = new Map<string, number[]>();
  const loadBefore = loadAverage();
  for (let round = 0; round < ROUNDS; round++) {
    for (const cache of ['warm', 'cold'] as const) {
      for (const [label, file, args] of steps) {
        if (cache === 'cold') for (const path of caches) await rm(path, { force: true });
        else await run('/usr/bin/apt-cache', ['policy', ...NO_LOCK]);
        const key = `${cache}\t${label}`;
        times.set(key, [...(times.get(key) ?? []), await run(file, args)]);
      }
    }
  }
  const upgradable = (
    await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/apt', ['list', '--upgradable', '-q'], { env }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    )
  )
    .split('\n')
    .filter((line) => line.includes('[upgradable from')).length;
  console.log(
    `apt runs behind a cold GET /patches: ${names.length} installed, ${upgradable} upgradable; ${ROUNDS} rounds, medians; load average ${loadBefore} at start, ${loadAverage()} at end`,
  );
  for (const cache of ['warm', 'cold'] as const) {
    const base = median(times.get(`${cache}\t${steps[0]![0]}`)!);
    console.log(`\npkgcache.bin ${cache}:`);
    for (const [label] of steps) {
      const ms = median(times.get(`${cache}\t${label}`)!);
      console.log(`  ${label.padEnd(64)} ${ms.toFixed(0).padStart(6)} ms  ÷ apt list ${(ms / base).toFixed(2)}`);
    }
  }
} finally {
  sandbox.dispose();
}
