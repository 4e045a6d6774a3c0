#!/usr/bin/env node
// `npm start`: run the agent in the foreground on a development PKI, from a fresh clone.
//   1. npm ci when node_modules is missing; tsc -b (incremental) so dist/ is current;
//   2. a development PKI under dev-pki/ (git-ignored) unless one exists that is valid for 7 more days;
//   3. a dev config under .dev/ (allow-list 127.0.0.1 and ::1, state and logs under .dev/, audit
//      to the file sink in .dev/log), so it runs as an ordinary user too;
//   4. the agent on port 12443 (LPA_DEV_PORT overrides), with a working curl line printed.
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function step(title, command, args) {
  console.log(`> ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    console.error(`${title} failed`);
    process.exit(result.status ?? 1);
  }
}

function validForAWeek(path) {
  try {
    return new Date(new X509Certificate(readFileSync(path)).validTo).getTime() > Date.now() + 7 * 86_400_000;
  } catch {
    return false;
  }
}

async function ipv6Available() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::', () => probe.close(() => resolve(true)));
  });
}

if (!existsSync(join(root, 'node_modules'))) step('install dependencies (npm ci)', npm, ['ci', '--no-audit', '--no-fund']);
const tsc = join(root, 'node_modules/typescript/bin/tsc');
step('build (tsc -b)', process.execPath, [tsc, '-b']);
// A dist/ removed by hand next to a current .tsbuildinfo looks up to date to tsc -b.
if (!existsSync(join(root, 'core/dist/cli.js'))) step('rebuild (tsc -b --force)', process.execPath, [tsc, '-b', '--force']);

const pki = join(root, 'dev-pki');
if (!['ca.pem', 'server.pem', 'client.pem'].every((name) => validForAWeek(join(pki, name)))) {
  step('generate the development PKI', process.execPath, ['--import', 'tsx', join(root, 'scripts/dev-pki.ts'), pki]);
}

const dev = join(root, '.dev');
for (const sub of ['', 'state', 'log']) mkdirSync(join(dev, sub), { recursive: true, mode: 0o700 });
const port = Number(process.env.LPA_DEV_PORT ?? 12443);
// Dual-stack '::' takes both 127.0.0.1 and ::1 clients; the allow-list admits only those two.
const bindAddress = (await ipv6Available()) ? '::' : '127.0.0.1';
writeFileSync(
  join(dev, 'config.yaml'),
  [
    '# Written by `npm start` (scripts/dev-start.mjs); regenerated on every start.',
    `server: { bind_address: "${bindAddress}", port: ${port} }`,
    'tls: { ca: ../dev-pki/ca.pem, cert: ../dev-pki/server.pem, key: ../dev-pki/server.key, crl: null, max_client_cert_days: 366 }',
    'whitelist_file: whitelist.yaml',
    'paths: { state_dir: state, log_dir: log }',
    'backend: { name: auto, root: null }',
    'audit: { sinks: [file], retention_days: 30 }',
    '',
  ].join('\n'),
);
writeFileSync(join(dev, 'whitelist.yaml'), 'allowed:\n  - 127.0.0.1\n  - ::1\n');

const curl = `curl --cert dev-pki/client.pem --key dev-pki/client.key --cacert dev-pki/ca.pem https://localhost:${port}/health`;
const agent = spawn(process.execPath, [join(root, 'core/dist/cli.js'), 'serve', '--config', join(dev, 'config.yaml')], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let announced = false;
agent.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (!announced && chunk.toString('utf8').includes('linux-patch-api listening')) {
    announced = true;
    console.log(`\nThe agent is running (Ctrl-C stops it). Try, from ${root}:\n\n  ${curl}\n`);
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => agent.kill(signal));
agent.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
