// Koa + @koa/router with one route answering GET /health like the agent (the baselines' answer),
// after any middleware given: the framework alone, or the framework plus a floor's parts.
import Router from '@koa/router';
import Koa from 'koa';
import { healthAnswer } from './baseline-server.mjs';

export function koaOneRouteApp(...middleware) {
  const app = new Koa();
  const router = new Router();
  router.get('/health', (ctx) => {
    const { requestId, body } = healthAnswer();
    ctx.set('X-Request-Id', requestId);
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = body;
  });
  for (const layer of middleware) app.use(layer);
  app.use(router.routes());
  return app;
}
