/**
 * The agent for the job benchmarks, run as a child process with an IPC channel: the real agent
 * (mTLS on an ephemeral port, logging only warnings) over the fake package manager, plus a bare
 * `ws` server on TLS 1.3 with client certificates as the side-by-side baseline.
 *
 * IPC in:  {cmd:'stamps'} → {stamps} (process.hrtime of every job update as the agent fired it,
 *          in seq order); {cmd:'bare', count, bytes} → the bare server sends `count` messages and
 *          answers {stamps}; {cmd:'rss', gc:true} → {rss} in bytes after a full GC.
 * IPC out: {ready, port, barePort, ca, cert, key} once listening.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { startAgent } from '../../core/src/agent.js';
import { ProcessRunner } from '../../core/src/runner/process-runner.js';
import { createTestPki, writeAgentConfig } from '../../test/support/agent.js';
import { createFakePackageManager } from '../../test/support/fake-package-manager/index.js';

const dir = await mkdtemp(join(tmpdir(), 'lpa-bench-jobs-'));
const pki = await createTestPki(dir);
const written = await writeAgentConfig(dir, { config: { jobs: { max_concurrent: 5, max_queued: 1000 } } });
const pm = await createFakePackageManager({ installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'], dep: ['1.0'] } });
const agent = await startAgent({
  configPath: written.configPath,
  logger: pino({ level: 'warn' }),
  listen: { port: 0 },
  // The fake package manager below is the backend; load none for the host.
  plugins: false,
});
agent.services.backend = pm.backend(new ProcessRunner());

// Stage -1 runs before the WebSocket tap, so the n-th stamp belongs to the update with seq n.
const stamps: string[] = [];
agent.services.hooks.onJobUpdate.tap({ name: 'bench-stamp', stage: -1 }, () => {
  stamps.push(process.hrtime.bigint().toString());
});

const bare = createServer({
  ca: pki.ca.certPem,
  cert: pki.server.certPem,
  key: pki.server.keyPem,
  requestCert: true,
  rejectUnauthorized: true,
  minVersion: 'TLSv1.3',
});
const wss = new WebSocketServer({ server: bare });
const bareClients = new Set<WebSocket>();
wss.on('connection', (ws) => {
  bareClients.add(ws);
  ws.on('close', () => bareClients.delete(ws));
});
bare.listen(0, '127.0.0.1');
await once(bare, 'listening');
const barePort = (bare.address() as { port: number }).port;

process.on('message', async (message: { cmd: string; count?: number; bytes?: number }) => {
  if (message.cmd === 'stamps') process.send?.({ stamps });
  else if (message.cmd === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ rss: process.memoryUsage().rss });
  } else if (message.cmd === 'bare') {
    const sent: string[] = [];
    const filler = 'x'.repeat(message.bytes ?? 1000);
    for (let seq = 1; seq <= (message.count ?? 0); seq++) {
      const text = JSON.stringify({ type: 'job_update', seq, job: { filler } });
      sent.push(process.hrtime.bigint().toString());
      for (const ws of bareClients) ws.send(text);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    process.send?.({ stamps: sent });
  } else if (message.cmd === 'stop') {
    await agent.stop();
    bare.close();
    await pm.cleanup();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  }
});

process.send?.({
  ready: true,
  port: agent.address().port,
  barePort,
  ca: pki.ca.certPem,
  cert: pki.client.certPem,
  key: pki.client.keyPem,
});
