import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { runAuditVerify } from '../../core/src/cli/audit-verify.js';
import { type AuditAgent, startAuditAgent } from './support.js';

// The agent's own audit.log: a clean stop seals the chain head (agent_stop carries the head hash and
// record count, audit.seal names it). Cutting the last lines off is then reported by `audit verify`.

let agent: AuditAgent;
before(async () => {
  agent = await startAuditAgent({ sinks: ['file'] });
});
after(async () => {
  await agent?.dispose();
});

async function verify(): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runAuditVerify(['verify', agent.logDir], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, text: lines.join('\n') };
}

it('agent_stop seals the head; removing the last lines of audit.log makes audit verify fail naming it', async () => {
  await agent.waitForRecord('agent_start');
  for (let n = 0; n < 3; n += 1) assert.equal((await agent.request('GET', '/health')).status, 200);
  assert.equal(await agent.stop('SIGTERM'), 0);

  const records = await agent.auditRecords();
  const stop = records.at(-1)!;
  assert.equal(stop.event, 'agent_stop');
  assert.equal(stop.records, records.length - 1);
  assert.equal(stop.head_hash, stop.prev_hash);
  const intact = await verify();
  assert.equal(intact.code, 0, intact.text);
  assert.match(intact.text, /sealed up to the last checkpoint, 0 records after it/);

  const path = join(agent.logDir, 'audit.log');
  const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  await writeFile(path, `${lines.slice(0, -3).join('\n')}\n`);
  const cut = await verify();
  assert.equal(cut.code, 1);
  assert.match(cut.text, new RegExp(`${path}:${lines.length - 3}: 3 or more records missing after the last checkpoint`));
});
