// The baseline of bench/transport.ts: a bare Node https server with the same TLS settings as the
// agent (TLS 1.3 only, client certificate required, no tickets) answering GET /health with the
// same JSON envelope, and nothing else. argv: ca.pem server.pem server.key
import { constants, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [ca, cert, key] = process.argv.slice(2).map((path) => readFileSync(path, 'utf8'));
const startedAt = Date.now();
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
  (req, res) => {
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
    res.writeHead(req.url === '/health' ? 200 : 404, {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': requestId,
    });
    res.end(body);
  },
);
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ msg: 'bare listening', port: server.address().port })}\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
