// What the transport bench's baseline servers share: the agent's TLS settings (TLS 1.3 only, client
// certificate required, no tickets) and its GET /health envelope, built the same way, so that every
// server sends the same bytes. argv of a baseline: ca.pem server.pem server.key
import { constants, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const startedAt = Date.now();

export function healthAnswer() {
  const requestId = randomUUID();
  const body = JSON.stringify({
    success: true,
    request_id: requestId,
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    data: {
      status: 'healthy',
      uptime_seconds: Math.floor((Date.now() - startedAt) / 1000),
      version: '1.0.0',
      last_cache_update: null,
      cache_status: 'unknown',
    },
    error: null,
  });
  return { requestId, body };
}

/** Serves `handler` over mTLS on an ephemeral port, prints `{"msg":"NAME listening","port":…}`, stops on SIGTERM. */
export function serveBaseline(name, handler) {
  const [ca, cert, key] = process.argv.slice(2, 5).map((path) => readFileSync(path, 'utf8'));
  const server = createServer(
    {
      ca,
      cert,
      key,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: true,
      secureOptions: constants.SSL_OP_NO_TICKET,
    },
    handler,
  );
  server.listen(0, '127.0.0.1', () =>
    process.stdout.write(`${JSON.stringify({ msg: `${name} listening`, port: server.address().port })}\n`),
  );
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
