#!/usr/bin/env node
// A small but real package manager for tests of the core: it keeps its "package database" in a
// JSON file, prints progress and output lines, and can be told (through the database's
// `behaviour` field) to sleep, fail downloads, ignore SIGTERM or leave a grandchild behind, so
// that timeouts, process-group kills, lock waits and output parsing are exercised for real.
//
// Usage: fake-pm.mjs --db FILE [--lock-wait SECONDS] COMMAND [--dry-run] [--security] [--] ARGS…
//   list | show NAME | upgrades | install SPEC… | remove NAME… | update NAME [VERSION]
//   upgrade [NAME…] | refresh | repair          (SPEC = name or name=version)
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const argv = process.argv.slice(2);
const option = (name) => {
  const index = argv.indexOf(name);
  if (index === -1) return null;
  const [value] = argv.splice(index, 2).slice(1);
  return value;
};
const flag = (name) => {
  const index = argv.indexOf(name);
  if (index === -1) return false;
  argv.splice(index, 1);
  return true;
};

const dbPath = option('--db');
const lockWaitSeconds = Number(option('--lock-wait') ?? '0');
const dryRun = flag('--dry-run');
const securityOnly = flag('--security');
const command = argv.shift();
const endOfOptions = argv.indexOf('--');
const operands = endOfOptions === -1 ? argv : argv.slice(endOfOptions + 1);
if (endOfOptions === -1 && argv.some((arg) => arg.startsWith('-')))
  fail(2, `E: unknown option ${argv.find((a) => a.startsWith('-'))}`);

if (!dbPath) fail(2, 'E: --db is required');
const dir = dirname(dbPath);
const readDb = () => JSON.parse(readFileSync(dbPath, 'utf8'));
const writeDb = (db) => {
  const temp = `${dbPath}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(db, null, 2)}\n`);
  renameSync(temp, dbPath);
};
const db = readDb();
const behaviour = db.behaviour ?? {};

function fail(code, message) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function compareVersions(a, b) {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const diff = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

const latest = (name) => [...(db.repo[name] ?? [])].sort(compareVersions).at(-1) ?? null;

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// A lock held by someone else (the tests write `foreign.lock` with a live pid). The fake package
// manager never takes this lock itself, so overlapping runs stay visible in events.log.
async function waitForForeignLock() {
  const lockFile = join(dir, 'foreign.lock');
  const deadline = Date.now() + lockWaitSeconds * 1000;
  for (;;) {
    if (!existsSync(lockFile)) return;
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (!pidAlive(pid)) return;
    if (Date.now() >= deadline) fail(75, `E: Could not get lock ${lockFile}. It is held by process ${pid}`);
    await sleep(50);
  }
}

async function work(label) {
  if (behaviour.ignoreSigterm) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
  if (behaviour.grandchildPidFile) {
    const child = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
    writeFileSync(behaviour.grandchildPidFile, String(child.pid));
  }
  const steps = behaviour.progressSteps ?? 4;
  const total = behaviour.sleepMs ?? 0;
  for (let step = 1; step <= steps; step++) {
    await sleep(total / steps);
    console.log(`progress ${Math.round((step / steps) * 100)} ${label}`);
    if (behaviour.logLines) console.log(`working on ${label}: step ${step} of ${steps}`);
  }
}

function parseSpec(spec) {
  const [name, version] = spec.split('=');
  return { name, version: version ?? null };
}

function planFor(kind) {
  const plan = [];
  if (kind === 'install') {
    for (const spec of operands.map(parseSpec)) {
      const available = db.repo[spec.name];
      if (!available) fail(100, `E: Unable to locate package ${spec.name}`);
      const version = spec.version ?? latest(spec.name);
      if (!available.includes(version)) fail(100, `E: Version '${version}' for '${spec.name}' was not found`);
      const current = db.installed[spec.name] ?? null;
      if (current === version) continue;
      const action = current === null ? 'installed' : compareVersions(version, current) > 0 ? 'upgraded' : 'downgraded';
      plan.push({ name: spec.name, action, from: current, to: version });
    }
  } else if (kind === 'remove') {
    for (const name of operands) {
      if (!(name in db.installed)) fail(100, `E: Package '${name}' is not installed`);
      plan.push({ name, action: 'removed', from: db.installed[name], to: null });
    }
  } else if (kind === 'upgrade') {
    for (const [name, current] of Object.entries(db.installed)) {
      if (operands.length > 0 && !operands.includes(name)) continue;
      if (securityOnly && !db.security?.[name]) continue;
      const newest = latest(name);
      if (newest && compareVersions(newest, current) > 0) plan.push({ name, action: 'upgraded', from: current, to: newest });
    }
  }
  return plan;
}

async function mutate(kind) {
  const plan = planFor(kind);
  if (dryRun) {
    for (const change of plan) console.log(['plan', change.action, change.name, change.from ?? '-', change.to ?? '-'].join('\t'));
    return;
  }
  await waitForForeignLock();
  appendFileSync(join(dir, 'events.log'), `start ${process.pid} ${kind}\n`);
  if ((behaviour.fetchFailures ?? 0) > 0 && kind !== 'remove') {
    const fresh = readDb();
    fresh.behaviour.fetchFailures -= 1;
    writeDb(fresh);
    appendFileSync(join(dir, 'events.log'), `end ${process.pid} ${kind}\n`);
    fail(100, 'E: Failed to fetch http://fake.invalid/pool/main/package.deb  404  Not Found');
  }
  // applyFirst: the database changes before the slow part (a stuck post-install script).
  if (!behaviour.applyFirst) await work(kind);
  const fresh = readDb();
  for (const change of plan) {
    console.log(`${change.action} ${change.name} ${change.from ?? '-'} -> ${change.to ?? '-'}`);
    if (change.to === null) delete fresh.installed[change.name];
    else fresh.installed[change.name] = behaviour.versionOverride?.[change.name] ?? change.to;
  }
  // What the package manager does beyond the request (a pulled-in dependency), as real ones do.
  for (const [name, version] of Object.entries(behaviour.alsoInstall ?? {})) {
    console.log(`installed ${name} (dependency) ${version}`);
    fresh.installed[name] = version;
  }
  writeDb(fresh);
  if (behaviour.applyFirst) await work(kind);
  appendFileSync(join(dir, 'events.log'), `end ${process.pid} ${kind}\n`);
  if (behaviour.exitCode) fail(behaviour.exitCode, `E: ${kind} failed on purpose`);
}

function line(name, version) {
  return [name, version, 'all', 'installed', `${name} fixture package`, String(1024 * name.length)].join('\t');
}

switch (command) {
  case 'list':
    for (const [name, version] of Object.entries(db.installed)) console.log(line(name, version));
    break;
  case 'show': {
    const name = operands[0];
    if (!(name in db.installed)) fail(1, `E: package ${name} is not installed`);
    console.log(line(name, db.installed[name]));
    break;
  }
  case 'upgrades':
    for (const [name, current] of Object.entries(db.installed)) {
      const newest = latest(name);
      if (newest && compareVersions(newest, current) > 0) {
        const security = db.security === undefined ? 'unknown' : db.security[name] ? 'yes' : 'no';
        console.log([name, current, newest, security].join('\t'));
      }
    }
    break;
  case 'install':
    await mutate('install');
    break;
  case 'remove':
    await mutate('remove');
    break;
  case 'upgrade':
    await mutate('upgrade');
    break;
  case 'refresh': {
    appendFileSync(join(dir, 'events.log'), `start ${process.pid} refresh\n`);
    await sleep(behaviour.refreshSleepMs ?? 0);
    const fresh = readDb();
    fresh.counters = { ...fresh.counters, refresh: (fresh.counters?.refresh ?? 0) + 1 };
    if ((fresh.behaviour?.refreshFailures ?? 0) > 0) {
      fresh.behaviour.refreshFailures -= 1;
      writeDb(fresh);
      appendFileSync(join(dir, 'events.log'), `end ${process.pid} refresh\n`);
      fail(100, 'E: Failed to fetch http://fake.invalid/dists/stable/InRelease  404  Not Found');
    }
    fresh.index_updated_at = new Date().toISOString();
    writeDb(fresh);
    appendFileSync(join(dir, 'events.log'), `end ${process.pid} refresh\n`);
    console.log('index refreshed');
    break;
  }
  case 'repair': {
    const fresh = readDb();
    fresh.counters = { ...fresh.counters, repair: (fresh.counters?.repair ?? 0) + 1 };
    writeDb(fresh);
    console.log('database consistent');
    break;
  }
  default:
    fail(2, `E: unknown command ${command}`);
}
