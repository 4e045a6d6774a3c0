/**
 * Real TLS clients for tests.
 *
 *   const res = await mtlsRequest({ port, ca: ca.certPem, cert: client.certPem, key: client.keyPem, path: '/health' });
 *   res.status, res.headers, res.json (the parsed envelope), res.text, res.peerCertificate (the server's)
 *
 *   const probe = await probeTls({ port, ca: ca.certPem, cert, key });   // sends GET /health, counts the bytes
 *   probe.httpBytes === 0   // the client got no HTTP response byte (refused certificate, wrong TLS version, …)
 *
 *   const raw = await probeRawTcp({ port, localAddress: '127.0.0.2' });  // a real ClientHello over plain TCP
 *   raw.bytesReceived === 0 // nothing at all came back (allow-list drop before any TLS byte)
 *
 * Every helper resolves (never hangs): connections are closed by the peer or after `timeoutMs`.
 */
import { once } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { type ConnectionOptions, type PeerCertificate, type SecureVersion, connect as tlsConnect } from 'node:tls';

export interface TlsClientOptions {
  host?: string;
  port: number;
  /** The CA the client trusts for the server certificate. */
  ca: string;
  cert?: string;
  key?: string;
  localAddress?: string;
  servername?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** A saved TLS session to try to resume. */
  session?: Buffer;
  timeoutMs?: number;
}

export interface MtlsRequestOptions extends TlsClientOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON with Content-Type application/json. */
  body?: unknown;
}

export interface MtlsResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read envelope fields freely
  json: any;
  peerCertificate: PeerCertificate;
}

function tlsOptions(options: TlsClientOptions): ConnectionOptions {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port,
    ca: options.ca,
    ...(options.cert === undefined ? {} : { cert: options.cert }),
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    servername: options.servername ?? 'localhost',
    ...(options.minVersion === undefined ? {} : { minVersion: options.minVersion }),
    ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
    ...(options.session === undefined ? {} : { session: options.session }),
  };
}

/** One HTTPS request over a fresh mutual-TLS connection; rejects if no HTTP response arrives. */
export function mtlsRequest(options: MtlsRequestOptions): Promise<MtlsResponse> {
  const { body } = options;
  const payload =
    body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (payload !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body) && headers['content-type'] === undefined) {
    headers['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        ...tlsOptions(options),
        method: options.method ?? 'GET',
        path: options.path,
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const peerCertificate = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = text === '' ? null : JSON.parse(text);
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, peerCertificate });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface TlsProbeResult {
  /** Whether the client saw the TLS handshake complete (in TLS 1.3 a client may, before the server refuses its certificate). */
  handshakeCompleted: boolean;
  /** Application bytes received after the handshake: 0 means no HTTP response at all. */
  httpBytes: number;
  /** The error the connection ended with, if any (e.g. a TLS alert). */
  error: string | null;
  /** The TLS session the server offered for resumption, if any. */
  session: Buffer | null;
  sessionReused: boolean;
}

/** Opens a TLS connection, sends `GET path`, and reports how many HTTP bytes came back before it closed. */
export function probeTls(
  options: TlsClientOptions & { path?: string; headers?: Record<string, string> },
): Promise<TlsProbeResult> {
  return new Promise((resolve) => {
    const result: TlsProbeResult = { handshakeCompleted: false, httpBytes: 0, error: null, session: null, sessionReused: false };
    const socket = tlsConnect(tlsOptions(options));
    const timer = setTimeout(() => socket.destroy(new Error('probe timed out')), options.timeoutMs ?? 5000);
    socket.on('session', (session: Buffer) => {
      result.session = session;
    });
    socket.on('secureConnect', () => {
      result.handshakeCompleted = true;
      result.sessionReused = socket.isSessionReused();
      const extra = Object.entries(options.headers ?? {})
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`GET ${options.path ?? '/health'} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      result.httpBytes += chunk.length;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      result.error = error.code ?? error.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

let clientHello: Promise<Buffer> | null = null;

/** A genuine TLS ClientHello, captured once from Node's own TLS client talking to a local listener. */
function captureClientHello(): Promise<Buffer> {
  clientHello ??= (async () => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address() as import('node:net').AddressInfo;
    const received = new Promise<Buffer>((resolve) => {
      server.once('connection', (socket) =>
        socket.once('data', (chunk: Buffer) => {
          resolve(chunk);
          socket.destroy();
        }),
      );
    });
    const client = tlsConnect({ host: '127.0.0.1', port: address.port, servername: 'localhost', rejectUnauthorized: false });
    client.on('error', () => {});
    const hello = await received;
    client.destroy();
    server.close();
    return hello;
  })();
  return clientHello;
}

export interface RawTcpProbeResult {
  connected: boolean;
  bytesReceived: number;
  error: string | null;
}

/**
 * Connects over plain TCP, sends a real ClientHello and counts every byte that comes back until
 * the peer closes (or `timeoutMs`). An admitted peer gets a ServerHello; a dropped one gets nothing.
 */
export async function probeRawTcp(options: {
  host?: string;
  port: number;
  localAddress?: string;
  timeoutMs?: number;
}): Promise<RawTcpProbeResult> {
  const hello = await captureClientHello();
  return new Promise((resolve) => {
    const result: RawTcpProbeResult = { connected: false, bytesReceived: 0, error: null };
    const socket = netConnect({
      host: options.host ?? '127.0.0.1',
      port: options.port,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 3000);
    socket.on('connect', () => {
      result.connected = true;
      socket.write(hello);
    });
    socket.on('data', (chunk: Buffer) => {
      result.bytesReceived += chunk.length;
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      result.error = error.code ?? error.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

/** Resolves once a socket that refused a write has drained or closed, leaving no listener behind. */
export function drainedOrClosed(socket: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done).once('close', done);
  });
}
