/** The manual page covers every command, the exit statuses and every configuration key the schema knows. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMMANDS } from '../../core/src/cli/commands.js';
import { configSchema } from '../../core/src/config/schema.js';
import { REPO_ROOT } from './support/build.js';

// roff escapes hyphens; read the text as a reader sees it.
const page = readFileSync(join(REPO_ROOT, 'packaging/templates/linux-patch-api.8'), 'utf8').replaceAll('\\-', '-');

function keyPaths(shape: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(shape).flatMap(([key, schema]) => {
    let inner = schema as { def?: { innerType?: unknown; shape?: Record<string, unknown> }; shape?: Record<string, unknown> };
    while (inner.def?.innerType !== undefined) inner = inner.def.innerType as typeof inner;
    return inner.shape !== undefined ? keyPaths(inner.shape, `${prefix}${key}.`) : [`${prefix}${key}`];
  });
}

test('every command and sub-command is described', () => {
  for (const command of COMMANDS) assert.match(page, new RegExp(`^\\.B ${command.name}\\b`, 'm'), command.name);
  for (const action of ['audit verify', 'pki ca', 'pki server', 'pki client'])
    assert.match(page, new RegExp(`^\\.B ${action}$`, 'm'), action);
});

test('the exit statuses 0, 1, 2 and 75 are listed', () => {
  const section = page.slice(page.indexOf('.SH EXIT STATUS'), page.indexOf('.SH CONFIGURATION'));
  for (const status of ['0', '1', '2', '75']) assert.match(section, new RegExp(`^\\.B ${status}$`, 'm'), status);
});

test('every configuration key is named', () => {
  const keys = keyPaths(configSchema.shape);
  assert.ok(keys.includes('tls.max_client_cert_days') && keys.length > 15, keys.join(', '));
  const section = page.slice(page.indexOf('.SH CONFIGURATION'), page.indexOf('.SH FILES'));
  for (const key of keys) assert.ok(section.includes(key), `the man page does not name ${key}`);
});
