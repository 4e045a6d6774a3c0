// The P5/P12 floor: the Koa one-route server of bare-koa-server.mjs plus what SPEC §8 requires of
// every request, the agent's own `api_request` record (the core's audit trail, hash chain and file
// sink from this checkout's build, the same fields, the client identity worked out once per
// connection), and with LPA_FLOOR_LOG=1 also the agent's request log line (the core's logger).
// argv: ca.pem server.pem server.key LOG_DIR
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createAuditTrail } from '../../core/dist/audit/fan-out.js';
import { admitIdentity, identityOfSocket } from '../../core/dist/http/identity.js';
import { createLogger } from '../../core/dist/logger.js';
import { CORE_VERSION } from '../../core/dist/version.js';
import { FileAuditSink } from '../../plugins/audit-file/dist/index.js';
import { serveBaseline } from './baseline-server.mjs';
import { koaOneRouteApp } from './koa-one-route.mjs';

const withLogLine = process.env.LPA_FLOOR_LOG === '1';
const logger = createLogger({ level: withLogLine ? 'info' : 'warn' });
const sink = await FileAuditSink.open({ logDir: process.argv[5], retentionDays: 30, logger });
const audit = createAuditTrail({ sinks: [sink], fallback: sink, agent: { hostname: hostname(), version: CORE_VERSION }, logger });

const recordEveryRequest = async (ctx, next) => {
  const started = performance.now();
  try {
    await next();
  } finally {
    const socket = ctx.req.socket;
    const client = identityOfSocket(socket) ?? admitIdentity(socket);
    const { method, path, status } = ctx;
    const requestId = ctx.response.get('X-Request-Id') || randomUUID();
    const duration_ms = Math.round((performance.now() - started) * 1000) / 1000;
    if (withLogLine) logger.info({ request_id: requestId, method, path, status, duration_ms }, 'request');
    audit.record('api_request', {
      request_id: requestId,
      method,
      path,
      status,
      ip: client.ip ?? null,
      client_cn: client.cn,
      client_serial: client.serial,
      client_fingerprint: client.fingerprint256,
      duration_ms,
    });
  }
};
serveBaseline(withLogLine ? 'koa-record-log' : 'koa-record', koaOneRouteApp(recordEveryRequest).callback());
