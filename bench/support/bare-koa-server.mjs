// The second baseline of bench/transport.ts: the same https server with Koa and @koa/router (the
// agent's framework) and one route answering GET /health with the same JSON, and nothing else:
// what the framework alone costs. argv: ca.pem server.pem server.key
import { serveBaseline } from './baseline-server.mjs';
import { koaOneRouteApp } from './koa-one-route.mjs';

serveBaseline('koa', koaOneRouteApp().callback());
