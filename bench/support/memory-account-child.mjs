// The child of bench/memory-account.ts, run with --expose-gc from an agent tree: imports what the
// agent imports, one step at a time, and prints one JSON line per step with process.memoryUsage()
// and V8's code statistics after a full GC; then starts the agent itself in this process, answers
// one request and writes a heap snapshot. (execa is not listed: the agent loads it on its first
// package-manager run.) argv: CORE_DIR CONFIG_PATH SNAPSHOT_PATH TLS_DIR
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const [coreDir, configPath, snapshotPath, tlsDir] = process.argv.slice(2);
// Bare specifiers resolve from the importing file, so a one-line importer inside the core's tree
// (a temporary copy) resolves them as the core does, ESM conditions included.
const importer = join(coreDir, 'dist', 'bench-importer.mjs');
writeFileSync(importer, 'export const load = (specifier) => import(specifier);\n');
const { load: importFromCore } = await import(pathToFileURL(importer).href);

function measure(step) {
  globalThis.gc();
  globalThis.gc();
  const usage = process.memoryUsage();
  const code = v8.getHeapCodeStatistics();
  process.stdout.write(
    `${JSON.stringify({
      step,
      rss: usage.rss,
      heapTotal: usage.heapTotal,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      code: code.code_and_metadata_size + code.bytecode_and_metadata_size,
    })}\n`,
  );
}

measure('node itself (and this script)');
const https = await import('node:https');
const tlsServer = https.createServer({
  ca: readFileSync(join(tlsDir, 'ca.pem')),
  cert: readFileSync(join(tlsDir, 'server.pem')),
  key: readFileSync(join(tlsDir, 'server.key')),
  requestCert: true,
});
await new Promise((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
measure('node:https + an mTLS server listening');
tlsServer.close();

for (const specifier of [
  'koa',
  '@koa/router',
  'koa-websocket',
  'ws',
  'zod',
  'pino',
  'yaml',
  'semver',
  'ipaddr.js',
  'tapable',
  'write-file-atomic',
]) {
  await importFromCore(specifier);
  measure(`import ${specifier}`);
}
await import(pathToFileURL(join(coreDir, 'dist/agent.js')).href);
measure('import the core (dist/agent.js and what it imports)');
const { startAgent } = await import(pathToFileURL(join(coreDir, 'dist/agent.js')).href);
const { createLogger } = await import(pathToFileURL(join(coreDir, 'dist/logger.js')).href);
const { Writable } = await import('node:stream');
const agent = await startAgent({
  configPath,
  logger: createLogger({ destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
});
measure('startAgent: plugins, backend, audit sinks, routes, listening');
const { request } = await import('node:https');
await new Promise((resolve, reject) => {
  const req = request(
    {
      host: '127.0.0.1',
      port: agent.address().port,
      path: '/health',
      ca: readFileSync(join(tlsDir, 'ca.pem')),
      cert: readFileSync(join(tlsDir, 'client.pem')),
      key: readFileSync(join(tlsDir, 'client.key')),
      servername: 'localhost',
    },
    (res) => {
      res.resume();
      res.on('end', resolve);
    },
  );
  req.on('error', reject);
  req.end();
});
measure('one GET /health answered');
v8.writeHeapSnapshot(snapshotPath);
await agent.stop();
process.exit(0);
