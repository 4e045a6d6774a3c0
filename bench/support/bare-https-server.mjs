// The baseline of bench/transport.ts: a bare Node https server with the same TLS settings as the
// agent answering GET /health with the same JSON envelope, and nothing else. argv: ca.pem server.pem server.key
import { healthAnswer, serveBaseline } from './baseline-server.mjs';

serveBaseline('bare', (req, res) => {
  const { requestId, body } = healthAnswer();
  res.writeHead(req.url === '/health' ? 200 : 404, {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
  });
  res.end(body);
});
