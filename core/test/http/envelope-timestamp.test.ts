import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { mock, test } from 'node:test';
import Koa, { type Context } from 'koa';
import { LpaError } from '../../src/errors.js';
import { errorBody, sendData } from '../../src/http/envelope.js';

// The envelope's timestamp is formatted once per second and reused: it must still follow the clock.

function body(): { timestamp: string; request_id: string } {
  const app = new Koa();
  const req = new IncomingMessage(new Socket());
  const ctx = app.createContext(req, new ServerResponse(req));
  ctx.state.requestId = 'r';
  sendData(ctx as unknown as Context, { ok: true });
  assert.equal(ctx.response.get('Content-Type'), 'application/json; charset=utf-8');
  return JSON.parse(ctx.body as string);
}

test('envelope timestamps are the current second in RFC 3339, across second and day boundaries', () => {
  mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 11, 6, 23, 59, 58, 900) });
  try {
    assert.equal(body().timestamp, '2026-12-06T23:59:58Z');
    mock.timers.tick(50);
    assert.equal(body().timestamp, '2026-12-06T23:59:58Z');
    mock.timers.tick(100);
    assert.equal(body().timestamp, '2026-12-06T23:59:59Z');
    mock.timers.tick(1000);
    assert.equal(errorBody('r', new LpaError('LPA_ERR_NOT_FOUND', 'gone')).timestamp, '2026-12-07T00:00:00Z');
    mock.timers.tick(3_600_000);
    assert.equal(body().timestamp, '2026-12-07T01:00:00Z');
  } finally {
    mock.timers.reset();
  }
});
