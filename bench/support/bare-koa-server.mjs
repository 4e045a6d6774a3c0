// The second baseline of bench/transport.ts: the same https server with Koa and @koa/router (the
// agent's framework) and one route answering GET /health with the same JSON, and nothing else:
// what the framework alone costs. argv: ca.pem server.pem server.key
import Router from '@koa/router';
import Koa from 'koa';
import { healthAnswer, serveBaseline } from './baseline-server.mjs';

const app = new Koa();
const router = new Router();
router.get('/health', (ctx) => {
  const { requestId, body } = healthAnswer();
  ctx.set('X-Request-Id', requestId);
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = body;
});
app.use(router.routes());
serveBaseline('koa', app.callback());
