/**
 * Keep-alive load on a server's GET /health (autocannon, 64 mTLS connections): the requests per
 * second and the server process's CPU µs per request (user + system time from /proc over the run,
 * divided by the requests answered). With `rate`, the clients together send that many requests per
 * second instead of as many as the server answers: servers of different speed then do the same work.
 */
import { createRequire } from 'node:module';
import type { ClientTls } from './keep-alive-client.js';
import { cpuSeconds, type ServerProcess } from './server-process.js';

interface AutocannonResult {
  requests: { total: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadFigures {
  rate: number;
  cpuMicros: number;
}

export async function keepAliveLoad(
  server: Pick<ServerProcess, 'pid' | 'port'>,
  tls: ClientTls,
  options: ({ seconds: number } | { amount: number }) & { rate?: number },
): Promise<LoadFigures> {
  const cpuBefore = cpuSeconds(server.pid);
  const started = performance.now();
  const result = await autocannon({
    url: `https://127.0.0.1:${server.port}/health`,
    connections: 64,
    ...('amount' in options ? { amount: options.amount } : { duration: options.seconds }),
    ...(options.rate === undefined ? {} : { overallRate: options.rate }),
    servername: 'localhost',
    tlsOptions: { ...tls, minVersion: 'TLSv1.3' },
  });
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`keep-alive run had ${result.non2xx} non-2xx and ${result.errors} errors`);
  return { rate: result.requests.total / elapsed, cpuMicros: (cpu * 1e6) / result.requests.total };
}
