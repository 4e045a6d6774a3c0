/** Drills on jobs: full state disks, killed agents, package-manager locks, the audit chain's head. */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAuditVerify } from '../../core/src/cli/audit-verify.js';
import { startAptAgent } from '../../test/e2e-apt/support.js';
import { startAuditAgent } from '../../test/e2e-audit/support.js';
import { mountSmallFileSystem } from '../../test/support/full-disk.js';
import { HELLO, holdFcntlLock, SLOW, SLOW_STARTED_MARKER } from '../../test/support/sandbox/apt.js';
import { waitFor } from '../../test/support/wait.js';
import type { Drill, DrillOutcome } from './drill.js';

const handled = (lost = 'nothing'): DrillOutcome => ({ result: 'handled', lost });

/** state_dir is a full tmpfs: the mutation must be refused (503 STATE_UNAVAILABLE) with nothing run. */
async function stateDirFull(): Promise<DrillOutcome> {
  const base = await mkdtemp(join(tmpdir(), 'lpa-drill-state-'));
  const disk = await mountSmallFileSystem(join(base, 'state'));
  const logDir = join(base, 'log');
  const agent = await startAuditAgent({
    sinks: ['file'],
    logDir,
    config: { paths: { state_dir: disk.mountPoint, log_dir: logDir } },
  });
  try {
    await agent.waitForRecord('agent_start');
    await disk.fill();
    const res = await agent.request('POST', '/packages', { packages: [{ name: 'extra' }] });
    const ran = (await agent.fakePm.events()).length;
    if (res.status !== 503 || res.json.error?.code !== 'STATE_UNAVAILABLE')
      return {
        result: `answered ${res.status} ${res.json.error?.code ?? ''}`,
        lost: ran > 0 ? 'a job ran without its job file' : 'unknown',
      };
    return ran === 0 ? handled() : { result: 'refused, but the package manager ran', lost: 'a job ran without its job file' };
  } finally {
    await agent.dispose();
    disk.unmount();
    await rm(base, { recursive: true, force: true });
  }
}

/** Pids whose command line mentions `needle` (a sandbox directory), the agent itself excepted. */
async function processesMentioning(needle: string, except: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === except || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (cmdline.includes(needle) && !/^\d+ \(.*\) Z/.test(stat)) pids.push(Number(entry));
  }
  return pids;
}

/** kill -9 of the agent while apt-get runs a slow postinst: the next start stops the orphan, repairs, audits. */
async function orphanAfterKill(): Promise<DrillOutcome> {
  const jobs = { max_concurrent: 5, timeout_seconds: 600, max_queued: 100, retention_seconds: 86400, lock_wait_seconds: 2 };
  const agent = await startAptAgent({ sandbox: { withShell: true }, config: { jobs } });
  try {
    const res = await agent.request('POST', '/packages', { packages: [{ name: SLOW }] });
    const id = res.json.data.id as string;
    await waitFor(() => existsSync(join(agent.sandbox.root, SLOW_STARTED_MARKER)), {
      timeoutMs: 60_000,
      what: 'the slow postinst',
    });
    process.kill(agent.process.child.pid!, 'SIGKILL');
    await new Promise((resolve) => agent.process.child.once('exit', resolve));
    await agent.restart();
    const records = await agent.auditRecords();
    const lost: string[] = [];
    if (!records.some((r) => r.event === 'job_interrupted' && r.job_id === id)) lost.push('the job_interrupted record');
    const recovered = records.find((r) => r.event === 'job_recovered' && r.job_id === id);
    if (recovered === undefined) lost.push('the recovery record');
    else if (!recovered.changes?.some((c: { name: string }) => c.name === SLOW)) lost.push("the orphan's changes");
    if ((await agent.sandbox.dpkgAudit()).trim() !== '') lost.push('dpkg consistency');
    if ((await processesMentioning(agent.sandbox.dir, agent.process.child.pid!)).length > 0) lost.push('control of the orphan');
    return lost.length === 0 ? handled() : { result: 'not handled', lost: lost.join(', ') };
  } finally {
    for (const pid of await processesMentioning(agent.sandbox.dir, agent.process.child.pid!)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await agent.stop();
  }
}

/** Another process holds the dpkg lock: the job shows waiting {lock, pid, command, since}, then completes. */
async function foreignLockWait(): Promise<DrillOutcome> {
  const agent = await startAptAgent();
  const holder = await holdFcntlLock(join(agent.sandbox.root, 'var/lib/dpkg/lock-frontend'));
  try {
    const res = await agent.request('POST', '/packages', { packages: [{ name: HELLO }] });
    const id = res.json.data.id as string;
    const waiting = await waitFor(async () => (await agent.request('GET', `/jobs/${id}`)).json.data.waiting ?? undefined, {
      timeoutMs: 30_000,
      what: 'the waiting state',
    }).catch(() => null);
    await holder.release();
    const done = await agent.waitForJob(id);
    if (waiting === null || waiting.pid !== holder.pid) return { result: 'the wait was not shown', lost: 'nothing' };
    return done.status === 'completed' ? handled() : { result: `job ${done.status}`, lost: 'the install' };
  } finally {
    await holder.release();
    await agent.stop();
  }
}

/** log_dir is a full tmpfs: records no sink can take are held and written once there is room. */
async function auditDiskFull(): Promise<DrillOutcome> {
  const base = await mkdtemp(join(tmpdir(), 'lpa-drill-log-'));
  const disk = await mountSmallFileSystem(join(base, 'log'));
  const logDir = join(disk.mountPoint, 'audit');
  const agent = await startAuditAgent({ sinks: ['file'], logDir });
  try {
    await agent.waitForRecord('agent_start');
    await disk.fill();
    const requestIds: string[] = [];
    for (let n = 0; n < 30; n += 1) requestIds.push((await agent.request('GET', '/health')).json.request_id);
    await disk.free();
    await agent.request('GET', '/health');
    const missing = await waitFor(
      async () => {
        const seen = new Set((await agent.auditRecords()).map((r) => r.request_id));
        const gone = requestIds.filter((id) => !seen.has(id));
        return gone.length === 0 ? gone : undefined;
      },
      { timeoutMs: 20_000, what: 'the held records' },
    ).catch(() => null);
    if (missing === null) {
      const counted = (await agent.auditRecords()).filter((r) => r.event === 'audit_records_lost');
      return {
        result: 'records missing',
        lost: counted.length > 0 ? 'records (counted in audit_records_lost)' : 'records, silently',
      };
    }
    return handled();
  } finally {
    await agent.dispose();
    disk.unmount();
    await rm(base, { recursive: true, force: true });
  }
}

/** The last lines of audit.log are cut off after a clean stop: audit verify must name it. */
async function auditTailCut(): Promise<DrillOutcome> {
  const agent = await startAuditAgent({ sinks: ['file'] });
  try {
    await agent.waitForRecord('agent_start');
    await agent.request('GET', '/health');
    await agent.stop('SIGTERM');
    const path = join(agent.logDir, 'audit.log');
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    await writeFile(path, `${lines.slice(0, -2).join('\n')}\n`);
    const said: string[] = [];
    const code = await runAuditVerify(['verify', agent.logDir], { out: (l) => said.push(l), err: (l) => said.push(l) });
    return code === 1 && said.some((line) => line.includes('missing after the last checkpoint'))
      ? handled()
      : { result: `audit verify exited ${code}: ${said.join(' ')}`, lost: 'the cut went unnoticed' };
  } finally {
    await agent.dispose();
  }
}

export const jobDrills: Drill[] = [
  { name: 'state_dir full: mutation refused, nothing run', run: stateDirFull },
  { name: 'kill -9 with apt-get running: orphan stopped, dpkg repaired, changes audited', run: orphanAfterKill },
  { name: 'foreign dpkg lock: job shows waiting, then completes', run: foreignLockWait },
  { name: 'log_dir full: refused records held and written later', run: auditDiskFull },
  { name: 'audit.log tail cut: audit verify names it', run: auditTailCut },
];
