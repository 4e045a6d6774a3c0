import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { mock, test } from 'node:test';
import Koa, { type Context } from 'koa';
import { SerialisedData, sendData } from '../../src/http/envelope.js';

function answer(data: unknown): { body: Buffer; type: string | undefined; status: number } {
  const app = new Koa();
  const req = new IncomingMessage(new Socket());
  const ctx = app.createContext(req, new ServerResponse(req));
  ctx.state.requestId = '6f1c1d2e-"quoted"\\id';
  sendData(ctx as unknown as Context, data, 200);
  const body = typeof ctx.body === 'string' ? Buffer.from(ctx.body) : (ctx.body as Buffer);
  return { body, type: ctx.response.get('Content-Type'), status: ctx.status };
}

test('a serialised value goes out as the same bytes, type and status as the plain value', () => {
  const data = {
    packages: [
      { name: 'zlib1g', description: 'compression library – runtime «ü» 日本 \u2028 "q" \\ \n', installed_size: null },
      { name: 'emoji', description: '😀', installed_size: 1024 },
    ],
    total: 2,
  };
  // One clock second for both answers, so their timestamps agree.
  mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 11, 7, 8, 0, 0, 500) });
  let plain: ReturnType<typeof answer>;
  let serialised: ReturnType<typeof answer>;
  try {
    plain = answer(data);
    serialised = answer(new SerialisedData(data));
  } finally {
    mock.timers.reset();
  }
  assert.equal(serialised.body.toString('utf8'), plain.body.toString('utf8'));
  assert.ok(serialised.body.equals(plain.body));
  assert.equal(serialised.type, 'application/json; charset=utf-8');
  assert.equal(serialised.type, plain.type);
  assert.equal(serialised.status, plain.status);
  assert.deepEqual(JSON.parse(serialised.body.toString('utf8')).data, data);
});
