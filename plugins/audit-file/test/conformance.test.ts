import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditSinkDefinition, PluginHost } from '@linux-patch-api/core';
import { createMemoryLogger, verifyAuditSink } from '@linux-patch-api/core/testing';
import plugin from '../src/index.js';

// The sink exactly as the agent gets it: registered by the plugin's apply() and created from its definition.
const definitions: AuditSinkDefinition[] = [];
await plugin.apply(
  { registerAuditSink: (definition: AuditSinkDefinition) => definitions.push(definition) } as unknown as PluginHost,
  {},
);
const file = definitions.find((definition) => definition.name === 'file')!;
const logDir = await mkdtemp(join(tmpdir(), 'lpa-audit-file-conformance-'));
const logger = createMemoryLogger();

verifyAuditSink({
  title: 'audit-file sink conformance',
  createSink: () => file.create({ logDir, retentionDays: 30, logger }),
  async readRecords() {
    const text = await readFile(join(logDir, 'audit.log'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  },
  dispose: () => rm(logDir, { recursive: true, force: true }),
});
