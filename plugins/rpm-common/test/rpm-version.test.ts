import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTool } from '../../../test/support/sandbox/common.js';
import { compareEvr, compareRequested, parseEvr, rpmvercmp } from '../src/rpm-version.js';

/** A small deterministic PRNG (mulberry32) so a failing pair can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEGMENTS = [
  '0',
  '00',
  '1',
  '01',
  '2',
  '9',
  '10',
  '010',
  '99',
  '100',
  'a',
  'b',
  'z',
  'A',
  'Z',
  'rc',
  'alpha',
  'beta',
  'el8',
  'fc40',
];
const SEPARATORS = ['.', '.', '.', '', '_', '+', '~', '^', '~', '^'];

function versionPart(next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  let text = pick(SEGMENTS.slice(0, 10));
  const parts = Math.floor(next() * 5);
  for (let i = 0; i < parts; i++) text += pick(SEPARATORS) + pick(SEGMENTS);
  if (next() < 0.15) text += pick(['~', '^', '.']);
  return text;
}

function evr(next: () => number): string {
  const epoch = next() < 0.25 ? `${Math.floor(next() * 3)}:` : '';
  const release = next() < 0.8 ? `-${versionPart(next)}` : '';
  return `${epoch}${versionPart(next)}${release}`;
}

/** Asks rpm's own comparison (`rpm.vercmp` in rpm's embedded Lua) for every pair in one process. */
async function rpmVercmp(dir: string, pairs: readonly (readonly [string, string])[]): Promise<number[]> {
  const script = join(dir, 'pairs.lua');
  const rows = pairs.map(([a, b]) => `{${JSON.stringify(a)},${JSON.stringify(b)}}`).join(',\n');
  await writeFile(script, `local p = {\n${rows}\n}\nfor _, x in ipairs(p) do io.write(rpm.vercmp(x[1], x[2]), "\\n") end\n`);
  const { stdout } = await runTool('/usr/bin/rpm', ['--eval', `%{lua: dofile(${JSON.stringify(script)})}`], {
    env: { HOME: dir },
  });
  return stdout
    .trim()
    .split('\n')
    .map((line) => Math.sign(Number(line)));
}

describe('rpm version ordering', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lpa-rpmvercmp-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('agrees with rpm on known cases', () => {
    assert.equal(rpmvercmp('1.0', '1.0'), 0);
    assert.equal(rpmvercmp('1.0~rc1', '1.0'), -1);
    assert.equal(rpmvercmp('1.0^git1', '1.0'), 1);
    assert.equal(rpmvercmp('1.0^git1', '1.0.1'), -1);
    assert.equal(rpmvercmp('1.0~rc1', '1.0~rc1~pre'), 1);
    assert.equal(rpmvercmp('10', '9'), 1);
    assert.equal(rpmvercmp('1.010', '1.10'), 0);
    assert.equal(rpmvercmp('a', '1'), -1);
    assert.equal(compareEvr('1:1.0-1', '2.0-1'), 1);
    assert.equal(compareEvr('0:1.0-1', '1.0-1'), 0);
    assert.deepEqual(parseEvr('2:1.2.3-4.el9'), { epoch: '2', version: '1.2.3', release: '4.el9' });
  });

  it('matches a request without release against any release of that version', () => {
    assert.equal(compareRequested('1.0', '1.0-7'), 0);
    assert.equal(compareRequested('1.0', '1.1-1'), -1);
    assert.equal(compareRequested('1.0-1', '1.0-2'), -1);
  });

  it('agrees with rpm on thousands of generated version and EVR pairs', async () => {
    const next = random(20261122);
    const pairs: [string, string][] = [];
    for (let i = 0; i < 3000; i++) pairs.push([versionPart(next), versionPart(next)]);
    for (let i = 0; i < 3000; i++) pairs.push([evr(next), evr(next)]);
    // Near-equal pairs exercise the tie-breaking paths (~, ^, leading zeros, missing release).
    for (let i = 0; i < 1000; i++) {
      const base = evr(next);
      pairs.push([base, base + (['~a', '^1', '.0', '0', 'a'][i % 5] ?? '')]);
    }
    const expected = await rpmVercmp(dir, pairs);
    assert.equal(expected.length, pairs.length);
    const mismatches = pairs
      .map(([a, b], index) => ({ a, b, ours: Math.sign(compareEvr(a, b)), rpm: expected[index] }))
      .filter((row) => row.ours !== row.rpm);
    assert.deepEqual(mismatches.slice(0, 20), []);
    // Plain versions (no epoch, no release) go through rpmvercmp alone.
    for (const [index, [a, b]] of pairs.slice(0, 3000).entries()) {
      if (!a.includes('-') && !b.includes('-') && !a.includes(':') && !b.includes(':')) {
        assert.equal(Math.sign(rpmvercmp(a, b)), expected[index], `${a} vs ${b}`);
      }
    }
  });
});
