import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { describe, test } from 'node:test';
import { connect } from 'node:tls';
import { WebSocket } from 'ws';
import { startTestAgent } from '../../../test/support/agent.js';
import { probeRawTcp, probeTls } from '../../../test/support/tls-client.js';
import { waitFor } from '../../../test/support/wait.js';
import { isLpaError } from '../../src/errors.js';
import { AllowList, normalizePeerAddress } from '../../src/http/allow-list.js';

describe('AllowList matching', () => {
  test('deny by default: an empty list admits nobody', () => {
    const empty = new AllowList([]);
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.1']) assert.equal(empty.admits(peer), false, peer);
    assert.equal(new AllowList(['127.0.0.1']).admits(undefined), false);
  });

  test('single IPv4 and IPv6 addresses', () => {
    const list = new AllowList(['192.0.2.10', '2001:db8::7']);
    assert.equal(list.admits('192.0.2.10'), true);
    assert.equal(list.admits('192.0.2.11'), false);
    assert.equal(list.admits('2001:db8::7'), true);
    assert.equal(list.admits('2001:0db8:0000:0000:0000:0000:0000:0007'), true);
    assert.equal(list.admits('2001:db8::8'), false);
  });

  test('CIDR ranges, IPv4 and IPv6', () => {
    const list = new AllowList(['10.1.0.0/16', 'fd00:1::/32']);
    assert.equal(list.admits('10.1.255.4'), true);
    assert.equal(list.admits('10.2.0.1'), false);
    assert.equal(list.admits('fd00:1:ffff::1'), true);
    assert.equal(list.admits('fd00:2::1'), false);
  });

  test('IPv4-mapped IPv6 peers match IPv4 entries, in every spelling', () => {
    const list = new AllowList(['127.0.0.1', '10.0.0.0/8']);
    for (const peer of [
      '::ffff:127.0.0.1',
      '0:0:0:0:0:ffff:7f00:1',
      '::ffff:7f00:1',
      '0000:0000:0000:0000:0000:ffff:127.0.0.1',
      '::ffff:10.20.30.40',
    ]) {
      assert.equal(list.admits(peer), true, peer);
    }
    assert.equal(list.admits('::ffff:127.0.0.2'), false);
    assert.equal(list.admits('::ffff:11.0.0.1'), false);
  });

  test('an IPv4-mapped entry means the same as its IPv4 address (and mapped CIDR ranges too)', () => {
    const single = new AllowList(['::ffff:192.0.2.1']);
    assert.equal(single.admits('192.0.2.1'), true);
    assert.equal(single.admits('::ffff:192.0.2.1'), true);
    assert.equal(single.admits('192.0.2.2'), false);
    const range = new AllowList(['::ffff:10.0.0.0/104']);
    assert.equal(range.admits('10.200.1.1'), true);
    assert.equal(range.admits('11.0.0.1'), false);
  });

  test('an IPv4 entry does not admit unrelated IPv6 peers (and vice versa)', () => {
    assert.equal(new AllowList(['0.0.0.0/0']).admits('2001:db8::1'), false);
    assert.equal(new AllowList(['::/0']).admits('192.0.2.1'), false);
  });

  test('bad entries are refused with the entry named', () => {
    for (const bad of ['localhost', '127.1', '0x7f.0.0.1', '10.0.0.0/33', '300.1.1.1', '', '1.2.3.4 # note']) {
      assert.throws(
        () => new AllowList([bad]),
        (error: unknown) => isLpaError(error, 'LPA_ERR_CONFIG_INVALID') && error.message.includes(JSON.stringify(bad)),
        bad,
      );
    }
  });

  test('peer addresses are reported with mapped IPv6 as IPv4', () => {
    assert.equal(normalizePeerAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizePeerAddress('::1'), '::1');
    assert.equal(normalizePeerAddress('fe80::1%eth0'), 'fe80::1');
  });
});

describe('allow-list on the raw connection', () => {
  test('a peer outside the list (127.0.0.2 with only 127.0.0.1 allowed) receives zero bytes and is audited', async () => {
    const t = await startTestAgent({ allowed: ['127.0.0.1'] });
    try {
      const denied = await probeRawTcp({ port: t.port, localAddress: '127.0.0.2' });
      assert.equal(denied.connected, true, 'the TCP connection itself was made');
      assert.equal(denied.bytesReceived, 0);
      const admitted = await probeRawTcp({ port: t.port, localAddress: '127.0.0.1' });
      assert.ok(admitted.bytesReceived > 0, 'an allowed peer gets a ServerHello (control)');
      const record = await t.waitForAudit('ip_denied', (r) => r.ip === '127.0.0.2');
      assert.equal(record.ip, '127.0.0.2');
      // Even with a valid client certificate, the denied peer gets no TLS and no HTTP.
      const tls = await probeTls({
        port: t.port,
        localAddress: '127.0.0.2',
        ca: t.pki.ca.certPem,
        cert: t.pki.client.certPem,
        key: t.pki.client.keyPem,
      });
      assert.equal(tls.handshakeCompleted, false);
      assert.equal(tls.httpBytes, 0);
      assert.equal(
        t.audit.records.some((r) => r.event === 'auth_success' && r.ip === '127.0.0.2'),
        false,
      );
    } finally {
      await t.stop();
    }
  });

  test('an empty whitelist admits nobody, a missing whitelist file neither', async () => {
    for (const allowed of [[], null]) {
      const t = await startTestAgent({ allowed });
      try {
        const probe = await probeRawTcp({ port: t.port });
        assert.equal(probe.bytesReceived, 0, `allowed=${JSON.stringify(allowed)}`);
      } finally {
        await t.stop();
      }
    }
  });

  test('on a dual-stack listener, an IPv4 client (seen as ::ffff:127.0.0.1) matches the 127.0.0.1 entry', async () => {
    const t = await startTestAgent({ allowed: ['127.0.0.1'], bindAddress: '::' });
    try {
      const res = await t.request('/health');
      assert.equal(res.status, 200);
      const record = await t.waitForAudit('api_request', (r) => r.request_id === res.json.request_id);
      assert.equal(record.ip, '127.0.0.1');
      const v6 = await probeRawTcp({ host: '::1', port: t.port });
      assert.equal(v6.bytesReceived, 0, '::1 is not on the list');
    } finally {
      await t.stop();
    }
  });

  test('a whitelist change takes effect without a restart', async () => {
    const t = await startTestAgent({ allowed: ['127.0.0.1'] });
    try {
      assert.equal((await probeRawTcp({ port: t.port, localAddress: '127.0.0.2' })).bytesReceived, 0);
      await t.writeWhitelist(['127.0.0.0/30']);
      await waitFor(async () => (await probeRawTcp({ port: t.port, localAddress: '127.0.0.2' })).bytesReceived > 0, {
        what: 'the new whitelist',
      });
      await t.writeWhitelist(['::1']);
      await waitFor(async () => (await probeRawTcp({ port: t.port })).bytesReceived === 0, { what: '127.0.0.1 to be dropped' });
    } finally {
      await t.stop();
    }
  });

  test('removing an address closes its open connections, keep-alive and WebSocket alike', async () => {
    const t = await startTestAgent({ allowed: ['127.0.0.1', '127.0.0.3'] });
    try {
      const tlsOptions = { ca: t.pki.ca.certPem, cert: t.pki.client.certPem, key: t.pki.client.keyPem };
      const raw = netConnect({ host: '127.0.0.1', port: t.port, localAddress: '127.0.0.3' });
      const keepAlive = connect({ socket: raw, servername: 'localhost', ...tlsOptions });
      let keepAliveClosed = false;
      let answered = 0;
      keepAlive.on('data', (chunk: Buffer) => {
        answered += chunk.length;
      });
      keepAlive.on('error', () => {});
      keepAlive.on('close', () => {
        keepAliveClosed = true;
      });
      await new Promise((resolve) => keepAlive.once('secureConnect', resolve));
      keepAlive.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await waitFor(() => answered > 0, { what: 'the first answer on the keep-alive connection' });

      const ws = new WebSocket(`wss://127.0.0.1:${t.port}/ws/jobs`, { localAddress: '127.0.0.3', ...tlsOptions });
      let wsClosed = false;
      ws.on('error', () => {});
      ws.on('close', () => {
        wsClosed = true;
      });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused with ${res.statusCode}`)));
      });
      const stays = await t.request('/health');
      assert.equal(stays.status, 200);

      await t.writeWhitelist(['127.0.0.1']);
      await waitFor(() => keepAliveClosed && wsClosed, { what: "127.0.0.3's connections to be closed" });
      const record = await t.waitForAudit('ip_denied', (r) => r.ip === '127.0.0.3');
      assert.equal(record.reason, 'removed_from_allow_list');
      assert.equal((await t.request('/health')).status, 200, '127.0.0.1 is still served');
    } finally {
      await t.stop();
    }
  });
});
