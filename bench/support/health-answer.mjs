// The GET /health answer of the transport bench's baselines: the agent's envelope, built the same
// way, so that every server sends the same bytes.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const startedAt = Date.now();

/** The TLS options of the agent: TLS 1.3 only, client certificate required, no tickets. argv: ca.pem server.pem server.key */
export function tlsOptionsFromArgv(constants) {
  const [ca, cert, key] = process.argv.slice(2).map((path) => readFileSync(path, 'utf8'));
  return {
    ca,
    cert,
    key,
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    requestCert: true,
    rejectUnauthorized: true,
    secureOptions: constants.SSL_OP_NO_TICKET,
  };
}

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
