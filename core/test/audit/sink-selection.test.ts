import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseAuditSinks, createChosenSinks } from '../../src/audit/sink-selection.js';
import { isLpaError } from '../../src/errors.js';
import { capturingLogger, definition } from './support.js';

const names = (list: Array<{ name: string }>) => list.map((entry) => entry.name);

test('auto picks journald when it is available, with the file sink as the fallback', async () => {
  const choice = await chooseAuditSinks(
    ['auto'],
    [definition('file'), definition('syslog', { priority: 10 }), definition('journald', { priority: 20 })],
    capturingLogger(),
  );
  assert.deepEqual(names(choice.primary), ['journald']);
  assert.equal(choice.fallback?.name, 'file');
});

test('auto falls back to syslog when journald is not available', async () => {
  const choice = await chooseAuditSinks(
    ['auto'],
    [definition('file'), definition('syslog', { priority: 10 }), definition('journald', { priority: 20, available: false })],
    capturingLogger(),
  );
  assert.deepEqual(names(choice.primary), ['syslog']);
});

test('auto with neither journald nor syslog leaves the file sink taking every record', async () => {
  const choice = await chooseAuditSinks(
    ['auto'],
    [definition('file'), definition('syslog', { priority: 10, available: false }), definition('journald', { available: false })],
    capturingLogger(),
  );
  assert.deepEqual(names(choice.primary), ['file']);
});

test('explicit names are taken as given, without duplicates', async () => {
  const all = [
    definition('file'),
    definition('syslog', { priority: 10 }),
    definition('journald', { priority: 20, available: false }),
  ];
  const logger = capturingLogger();
  const choice = await chooseAuditSinks(['journald', 'file', 'journald'], all, logger);
  assert.deepEqual(names(choice.primary), ['journald', 'file']);
  assert.ok(
    logger.lines.some((line) => line.level === 'warn' && line.fields.sink === 'journald'),
    'an unavailable explicit sink is warned about',
  );
  assert.deepEqual(names((await chooseAuditSinks(['file'], all, logger)).primary), ['file']);
});

test('an unknown sink name is a config error naming it', async () => {
  await assert.rejects(chooseAuditSinks(['journal'], [definition('file')], capturingLogger()), (error) => {
    assert.ok(isLpaError(error, 'LPA_ERR_CONFIG_INVALID'));
    assert.match(error.message, /"journal"/);
    return true;
  });
});

test('a sink that cannot be created is left out and logged; the file sink is created once', async () => {
  const file = definition('file');
  const broken = { ...definition('journald'), create: () => Promise.reject(new Error('socket gone')) };
  const logger = capturingLogger();
  const created = await createChosenSinks(
    { primary: [broken, file], fallback: file },
    { logDir: '/nonexistent', retentionDays: 30, logger },
  );
  assert.deepEqual(names(created.sinks), ['file']);
  assert.equal(created.fallback, created.sinks[0]);
  assert.ok(logger.lines.some((line) => line.level === 'error' && line.fields.sink === 'journald'));
});
