/** One warm mTLS connection (keep-alive, one socket) to a server, for latency samples. */
import { Agent, request } from 'node:https';

export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export interface KeepAliveClient {
  /** `parse: false` stops the clock when the last byte arrived, as for a CLI's output it is compared with. */
  // biome-ignore lint/suspicious/noExplicitAny: the envelope is read freely
  call(method: string, path: string, body?: unknown, parse?: boolean): Promise<{ status: number; json: any }>;
  close(): void;
}

export function keepAliveClient(port: number, tls: ClientTls): KeepAliveClient {
  const https = new Agent({ keepAlive: true, maxSockets: 1, ...tls, servername: 'localhost' });
  return {
    call: (method, path, body, parse = true) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            agent: https,
            headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {},
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, json: parse ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => https.destroy(),
  };
}
