import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startTestAgent } from '../support/agent.js';
import { waitFor } from '../support/wait.js';

// Audit sinks are opened once, at start. A config reload that changes them is accepted (the rest of
// it applies) and the operator is told that the audit part waits for a restart.

it('a reload that changes audit settings is accepted and logged as taking effect at the next restart', async () => {
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
