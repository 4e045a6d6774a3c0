/**
 * Memory growth: the agent's RSS (after a full GC, in its own process) once warmed up, and again
 * after 10 000 API requests and 500 jobs on the fake package manager, side by side in one run.
 * Prints both and the growth (target <= 10 %). Jobs stay retained (retention_seconds) and the
 * WebSocket keeps its bounded replay buffer, so some growth is expected; unbounded growth is not.
 * Run: npm run bench -- memory-growth   (LPA_BENCH_REQUESTS / LPA_BENCH_JOBS change the counts)
 */
import { type JobAgent, startJobAgent, waitForJob } from './support/job-agent-client.js';

const REQUESTS = Number(process.env.LPA_BENCH_REQUESTS ?? 10_000);
const JOBS = Number(process.env.LPA_BENCH_JOBS ?? 500);
const PARALLEL = 16;

async function requests(agent: JobAgent, count: number, jobIds: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const path =
        n % 50 === 0
          ? '/patches'
          : n % 5 === 0 && jobIds.length > 0
            ? `/jobs/${jobIds[n % jobIds.length]}`
            : n % 7 === 0
              ? '/jobs?status=running'
              : '/health';
      const res = await agent.call('GET', path);
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

async function jobs(agent: JobAgent, count: number, ids: string[]): Promise<void> {
  for (let i = 0; i < count; i += 5) {
    const batch = [];
    for (let k = i; k < Math.min(count, i + 5); k++) {
      batch.push(
        k % 2 === 0
          ? agent.call('POST', '/packages', { packages: [{ name: 'dep' }] })
          : agent.call('PUT', '/packages/hello', { version: k % 4 === 1 ? '1.1' : '1.0' }),
      );
    }
    for (const res of await Promise.all(batch)) {
      if (res.status !== 202) throw new Error(`a job request answered ${res.status}`);
      ids.push((res.json.data as { id: string }).id);
    }
    await Promise.all(ids.slice(-batch.length).map((id) => waitForJob(agent, id)));
  }
}

export async function measureMemoryGrowth(): Promise<{ beforeMiB: number; afterMiB: number; growthPercent: number }> {
  const agent = await startJobAgent();
  try {
    const ids: string[] = [];
    await jobs(agent, 20, ids);
    await requests(agent, 1000, ids);
    const before = (await agent.ipc<{ rss: number }>({ cmd: 'rss' })).rss;
    await Promise.all([jobs(agent, JOBS, ids), requests(agent, REQUESTS, ids)]);
    const after = (await agent.ipc<{ rss: number }>({ cmd: 'rss' })).rss;
    return { beforeMiB: before / 2 ** 20, afterMiB: after / 2 ** 20, growthPercent: ((after - before) / before) * 100 };
  } finally {
    await agent.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measureMemoryGrowth();
  console.log(`memory growth after ${REQUESTS} requests + ${JOBS} jobs (agent RSS after GC, warm vs after):`);
  console.log(
    `  before ${r.beforeMiB.toFixed(1)} MiB   after ${r.afterMiB.toFixed(1)} MiB   growth ${r.growthPercent.toFixed(1)} % (target <= 10 %: ${r.growthPercent <= 10 ? 'met' : 'MISSED'})`,
  );
}
