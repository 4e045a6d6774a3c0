import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { compareDebianVersions } from '../src/debian-version.js';

/** A tiny deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const UPSTREAM_CHARS = ['0', '1', '2', '9', '10', '00', 'a', 'b', 'z', 'A', '.', '+', '~', '~~', 'rc', 'beta'];
const REVISION_CHARS = ['0', '1', '2', '10', 'a', '.', '+', '~', 'deb12u1', 'ubuntu1'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomPart(random: () => number, alphabet: readonly string[], length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += pick(random, alphabet);
  return out;
}

function randomVersion(random: () => number): string {
  const epoch = random() < 0.15 ? `${Math.floor(random() * 3)}:` : '';
  const upstream = `${Math.floor(random() * 3)}${randomPart(random, UPSTREAM_CHARS, Math.floor(random() * 4))}`;
  const revision = random() < 0.7 ? `-${randomPart(random, REVISION_CHARS, 1 + Math.floor(random() * 3))}` : '';
  return `${epoch}${upstream}${revision}`;
}

/** A close neighbour of `version`, so pairs often differ in one place only. */
function mutate(random: () => number, version: string): string {
  const choice = random();
  if (choice < 0.25) return `${version}${pick(random, ['~', '+1', '.0', 'a', '~rc1'])}`;
  if (choice < 0.5) return version.replace(/\d/, () => String(Math.floor(random() * 10)));
  if (choice < 0.6) return version.includes(':') ? version.replace(/^\d+:/, '') : `1:${version}`;
  if (choice < 0.7) return version.replace(/0(?=\d)/, '');
  return randomVersion(random);
}

/** Asks dpkg about every pair through one shell loop per chunk: lt / eq / gt per line. */
function dpkgCompare(pairs: readonly (readonly [string, string])[]): Promise<string[]> {
  const script =
    'while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo lt; ' +
    'elif dpkg --compare-versions "$a" eq "$b"; then echo eq; else echo gt; fi; done';
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`dpkg comparison loop exited ${code}`));
      else resolve(out.trim().split('\n'));
    });
    child.stdin.end(pairs.map(([a, b]) => `${a} ${b}\n`).join(''));
  });
}

function word(value: number): string {
  return value < 0 ? 'lt' : value > 0 ? 'gt' : 'eq';
}

describe('compareDebianVersions', () => {
  it('orders the cases deb-version(7) documents', () => {
    const ascending = ['1.0~rc1', '1.0', '1.0-1', '1.0-1+b1', '1.0a', '1.0+dfsg', '1.1', '1.10', '2~', '2', '1:0.1'];
    for (let i = 0; i + 1 < ascending.length; i++) {
      assert.ok(compareDebianVersions(ascending[i]!, ascending[i + 1]!) < 0, `${ascending[i]} < ${ascending[i + 1]}`);
      assert.ok(compareDebianVersions(ascending[i + 1]!, ascending[i]!) > 0, `${ascending[i + 1]} > ${ascending[i]}`);
    }
    assert.equal(compareDebianVersions('1.0', '1.00'), 0);
    assert.equal(compareDebianVersions('0:1.0', '1.0'), 0);
    assert.equal(compareDebianVersions('1.0', '1.0-0'), 0);
    assert.ok(compareDebianVersions('1.0~~', '1.0~') < 0);
    assert.ok(compareDebianVersions('1.0-1', '1.0-1~bpo1') > 0);
  });

  it('agrees with dpkg --compare-versions on thousands of generated pairs', async () => {
    const random = prng(20261122);
    const pairs: [string, string][] = [];
    while (pairs.length < 3000) {
      const a = randomVersion(random);
      pairs.push([a, random() < 0.6 ? mutate(random, a) : randomVersion(random)]);
    }
    const chunks = [pairs.slice(0, 1500), pairs.slice(1500)];
    const answers = (await Promise.all(chunks.map(dpkgCompare))).flat();
    assert.equal(answers.length, pairs.length);
    const disagreements = pairs
      .map(([a, b], index) => ({ a, b, dpkg: answers[index], ours: word(compareDebianVersions(a, b)) }))
      .filter((row) => row.dpkg !== row.ours);
    assert.deepEqual(disagreements.slice(0, 10), []);
    // The generator must exercise every outcome, or the comparison proves little.
    for (const outcome of ['lt', 'eq', 'gt']) assert.ok(answers.includes(outcome), `no pair compared ${outcome}`);
  });
});
