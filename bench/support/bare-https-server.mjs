// The baseline of bench/transport.ts: a bare Node https server with the same TLS settings as the
// agent answering GET /health with the same JSON envelope, and nothing else. argv: ca.pem server.pem server.key
import { constants } from 'node:crypto';
import { createServer } from 'node:https';
import { healthAnswer, tlsOptionsFromArgv } from './health-answer.mjs';

const server = createServer(tlsOptionsFromArgv(constants), (req, res) => {
  const { requestId, body } = healthAnswer();
  res.writeHead(req.url === '/health' ? 200 : 404, {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
  });
  res.end(body);
});
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ msg: 'bare listening', port: server.address().port })}\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
