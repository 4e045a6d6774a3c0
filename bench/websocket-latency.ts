/**
 * WebSocket update latency: time from a job state change inside the agent (the moment onJobUpdate
 * fires, stamped with the system-wide monotonic clock) to the message's arrival at a /ws/jobs
 * client over mutual TLS, for real jobs on the fake package manager. Side by side in the same run:
 * a bare `ws` server on TLS 1.3 with client certificates sending messages of the same size.
 * Prints p50/p95 for both and the ratio agent/bare (target: agent p50 <= 10 ms).
 * Run: npm run bench -- websocket-latency   (LPA_BENCH_WS_JOBS=N jobs, default 100)
 */
import { once } from 'node:events';
import WebSocket, { type ClientOptions } from 'ws';
import { type JobAgent, percentile, startJobAgent, waitForJob } from './support/job-agent-client.js';

const JOBS = Number(process.env.LPA_BENCH_WS_JOBS ?? 100);

function clientOptions(agent: JobAgent): ClientOptions {
  return { ca: agent.info.ca, cert: agent.info.cert, key: agent.info.key, servername: 'localhost' } as ClientOptions;
}

async function listen(
  url: string,
  options: ClientOptions,
): Promise<{ ws: WebSocket; arrivals: Map<number, bigint>; bytes: number[] }> {
  const ws = new WebSocket(url, options);
  const arrivals = new Map<number, bigint>();
  const bytes: number[] = [];
  ws.on('message', (data) => {
    const at = process.hrtime.bigint();
    const text = String(data);
    arrivals.set((JSON.parse(text) as { seq: number }).seq, at);
    bytes.push(text.length);
  });
  await once(ws, 'open');
  return { ws, arrivals, bytes };
}

function latenciesMs(stamps: readonly string[], arrivals: Map<number, bigint>): number[] {
  const out: number[] = [];
  stamps.forEach((stamp, index) => {
    const arrived = arrivals.get(index + 1);
    if (arrived !== undefined) out.push(Number(arrived - BigInt(stamp)) / 1e6);
  });
  return out;
}

export async function measureWebSocketLatency(): Promise<{
  agentP50: number;
  agentP95: number;
  bareP50: number;
  bareP95: number;
  samples: number;
}> {
  const agent = await startJobAgent();
  try {
    const stream = await listen(`wss://127.0.0.1:${agent.info.port}/ws/jobs`, clientOptions(agent));
    for (let i = 0; i < JOBS; i++) {
      const res =
        i % 2 === 0
          ? await agent.call('POST', '/packages', { packages: [{ name: 'dep' }] })
          : await agent.call('DELETE', '/packages/dep');
      await waitForJob(agent, (res.json.data as { id: string }).id);
    }
    const { stamps } = await agent.ipc<{ stamps: string[] }>({ cmd: 'stamps' });
    const agentMs = latenciesMs(stamps, stream.arrivals);
    stream.ws.close();
    const meanBytes = Math.round(stream.bytes.reduce((sum, n) => sum + n, 0) / Math.max(1, stream.bytes.length));

    const bare = await listen(`wss://127.0.0.1:${agent.info.barePort}/`, clientOptions(agent));
    const bareStamps = await agent.ipc<{ stamps: string[] }>({ cmd: 'bare', count: agentMs.length, bytes: meanBytes });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const bareMs = latenciesMs(bareStamps.stamps, bare.arrivals);
    bare.ws.close();
    return {
      agentP50: percentile(agentMs, 50),
      agentP95: percentile(agentMs, 95),
      bareP50: percentile(bareMs, 50),
      bareP95: percentile(bareMs, 95),
      samples: agentMs.length,
    };
  } finally {
    await agent.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measureWebSocketLatency();
  console.log(`websocket update latency, ${r.samples} job updates from ${JOBS} jobs (agent vs bare ws over mTLS):`);
  console.log(
    `  agent  p50 ${r.agentP50.toFixed(3)} ms   p95 ${r.agentP95.toFixed(3)} ms   (target p50 <= 10 ms: ${r.agentP50 <= 10 ? 'met' : 'MISSED'})`,
  );
  console.log(`  bare   p50 ${r.bareP50.toFixed(3)} ms   p95 ${r.bareP95.toFixed(3)} ms`);
  console.log(`  ratio agent/bare p50 ${(r.agentP50 / r.bareP50).toFixed(2)}`);
}
