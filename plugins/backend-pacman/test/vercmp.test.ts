import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { vercmp } from '../src/vercmp.js';

/** A tiny deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PIECES = [
  '0',
  '1',
  '2',
  '9',
  '10',
  '00',
  '007',
  'a',
  'b',
  'z',
  'A',
  'alpha',
  'beta',
  'rc',
  'pre',
  '.',
  '.',
  '_',
  '+',
  '~',
  '-',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomVersion(random: () => number): string {
  const epoch = random() < 0.15 ? `${pick(random, ['', '0', '1', '2', '10'])}:` : '';
  let version = pick(random, ['0', '1', '2', '1.0', '2.10', 'r', '20240101']);
  const pieces = Math.floor(random() * 4);
  for (let i = 0; i < pieces; i++) version += pick(random, PIECES);
  const release = random() < 0.7 ? `-${pick(random, ['1', '2', '10', '1.1', '0', 'a'])}` : '';
  return `${epoch}${version}${release}`;
}

/** A close neighbour, so pairs often differ in one place only. */
function mutate(random: () => number, version: string): string {
  const choice = random();
  if (choice < 0.25) return `${version}${pick(random, ['.1', 'a', '.0', '_1', '+', 'rc1'])}`;
  if (choice < 0.5) return version.replace(/\d/, () => String(Math.floor(random() * 10)));
  if (choice < 0.6) return version.includes(':') ? version.replace(/^\d*:/, '') : `1:${version}`;
  if (choice < 0.7) return version.replace(/-[^-]*$/, '') || version;
  if (choice < 0.8) return version.replace('.', pick(random, ['..', '_', '+', '']));
  return randomVersion(random);
}

/** Runs /usr/bin/vercmp on every pair in one shell loop (one fork per pair, no Node spawn each). */
function referenceOrder(pairs: readonly (readonly [string, string])[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'while IFS="$(printf "\\t")" read -r a b; do /usr/bin/vercmp "$a" "$b"; done'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`vercmp loop exited ${code}`));
      else resolve(out.trim().split('\n').map(Number));
    });
    child.stdin.end(pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
  });
}

describe('vercmp (alpm version order)', () => {
  it('orders known Arch version pairs as pacman does', () => {
    const ascending: [string, string][] = [
      ['1.0a', '1.0'],
      ['1.0', '1.0.1'],
      ['1.0alpha', '1.0beta'],
      ['1.0rc1', '1.0'],
      ['1.0', '1.0.0'],
      ['1.2.3-1', '1.2.3-2'],
      ['1.2.3-2', '1.2.4-1'],
      ['2.0-10', '2:1.0-1'],
      ['1:9.9-9', '2:0.1-1'],
      ['1.9', '1.10'],
      ['1.0.0', '1.0.1'],
      ['5.2.15-1', '5.2.15-1.1'],
      ['r100.abc', 'r101.abc'],
      // A separated alpha segment is newer than nothing: only an attached one (1.0a) is older.
      ['1.0', '1.0_beta'],
      ['20231231-1', '20240101-1'],
    ];
    for (const [lower, higher] of ascending) {
      assert.equal(vercmp(lower, higher), -1, `${lower} < ${higher}`);
      assert.equal(vercmp(higher, lower), 1, `${higher} > ${lower}`);
    }
    // Equal under alpm's rules although spelled differently.
    for (const [a, b] of [
      ['1.0', '1.0-1'],
      ['0:1.0-1', '1.0-1'],
      ['1.01', '1.1'],
      ['1.0', '1_0'],
    ]) {
      assert.equal(vercmp(a as string, b as string), 0, `${a} = ${b}`);
    }
  });

  it('agrees with /usr/bin/vercmp on 4000 generated pairs', async () => {
    const random = prng(0x5eed);
    const pairs: [string, string][] = [];
    while (pairs.length < 4000) {
      const a = randomVersion(random);
      pairs.push([a, random() < 0.6 ? mutate(random, a) : randomVersion(random)]);
    }
    const expected = await referenceOrder(pairs);
    assert.equal(expected.length, pairs.length, 'vercmp printed one answer per pair');
    const disagreements = pairs
      .map(([a, b], index) => ({ a, b, native: vercmp(a, b), vercmp: expected[index] }))
      .filter((row) => row.native !== row.vercmp);
    assert.deepEqual(disagreements.slice(0, 10), []);
  });
});
