import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startTestAgent } from '../support/agent.js';
import { waitFor } from '../support/wait.js';

// An agent started with a trail handed in by its embedder (as in-process tests do) keeps it: a reload
// that changes the audit settings is accepted for the rest and the operator is told. (An agent that
// opened its own sinks replaces them instead: audit-reopen.test.ts.)

it('a reload that changes audit settings keeps a given trail and says so', async () => {
  const agent = await startTestAgent();
  try {
    await agent.writeConfig({ audit: { sinks: ['file'], retention_days: 7 } });
    await agent.waitForAudit('config_reload', (record) => record.accepted === true);
    const warning = await waitFor(() => agent.logs.find((line) => String(line.msg).includes('audit settings changed')), {
      what: 'the restart warning',
    });
    assert.equal(warning.level, 40);
    assert.deepEqual(warning.audit, { sinks: ['file'], retention_days: 7 });

    const before = agent.logs.filter((line) => String(line.msg).includes('audit settings changed')).length;
    await agent.writeConfig({ audit: { sinks: ['file'], retention_days: 7 }, jobs: { max_concurrent: 2 } });
    await waitFor(
      () => agent.audit.records.filter((record) => record.event === 'config_reload' && record.accepted === true).length >= 2,
      {
        what: 'the second reload',
      },
    );
    assert.equal(
      agent.logs.filter((line) => String(line.msg).includes('audit settings changed')).length,
      before,
      'no warning when the audit settings stay the same',
    );
  } finally {
    await agent.stop();
  }
});
