import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const breakAddon = fileURLToPath(new URL('./fixtures/break-unix-dgram.cjs', import.meta.url));
const pluginEntry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

// Imports the plugin in a child whose unix-dgram addon cannot load, applies it to a recording host
// and prints each sink's availability for sockets that do exist.
const probe = `
const plugin = (await import(${JSON.stringify(pluginEntry)})).default;
const sinks = [];
plugin.apply({ registerAuditSink: (d) => sinks.push(d), registerBackend() {}, hooks: {}, logger: console }, {
  journald_socket: process.env.SOCK, syslog_socket: process.env.SOCK,
});
const out = {};
for (const sink of sinks) {
  out[sink.name] = await sink.available();
  try {
    const created = await sink.create({});
    out[sink.name + '_create'] = 'ok';
    await created.close?.();
  } catch (e) {
    out[sink.name + '_create'] = e.message;
  }
}
console.log(JSON.stringify(out));
process.exit(0);
`;

async function probeWith(preload: string[], socketPath: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=lpa-source', '--import', 'tsx', ...preload, '--input-type=module', '-e', probe],
    { env: { ...process.env, SOCK: socketPath }, timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

test('a unix-dgram addon that cannot load makes the sinks unavailable, not the plugin unloadable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-journald-addon-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const socketPath = join(dir, 'socket');
  // Availability only asks whether a socket is there; a stream socket serves as one.
  const server = createServer();
  server.listen(socketPath);
  await once(server, 'listening');
  t.after(() => server.close());

  const working = await probeWith([], socketPath);
  assert.deepEqual(working, { journald: true, journald_create: 'ok', syslog: true, syslog_create: 'ok' });

  const broken = await probeWith(['--require', breakAddon], socketPath);
  assert.equal(broken.journald, false);
  assert.equal(broken.syslog, false);
  assert.match(String(broken.journald_create), /unix-dgram addon cannot be loaded/);
  assert.match(String(broken.syslog_create), /unix-dgram addon cannot be loaded/);
});
