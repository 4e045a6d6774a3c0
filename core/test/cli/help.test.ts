/** `linux-patch-api COMMAND --help`: usage and exit statuses on stdout, exit 0 (a file of its own: each run starts Node). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../../../test/support/agent.js';
import { COMMANDS } from '../../src/cli/commands.js';

test('every command answers --help (and -h) with its usage and exit statuses, exit 0', async () => {
  for (const argv of [
    ...COMMANDS.map((command) => [command.name, '--help']),
    ['audit', 'verify', '--help'],
    ['pki', 'client', '-h'],
  ]) {
    const result = await runCli(argv);
    assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^usage: linux-patch-api (\\[)?${argv[0]}`), argv.join(' '));
    assert.match(result.stdout, /Exit status: 0 = /, argv.join(' '));
  }
});
