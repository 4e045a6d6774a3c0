#!/usr/bin/env node
import type { CliCommand } from './cli/command.js';
import { UsageError } from './cli/command.js';
import { COMMANDS, DEFAULT_COMMAND } from './cli/commands.js';
import { CORE_VERSION } from './version.js';

function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    `linux-patch-api ${CORE_VERSION}: package and patch management for this host over mutual TLS`,
    '',
    'Usage:',
    ...COMMANDS.map((command) => `  ${command.usage.replace(/\n {7}/g, '\n  ')}`),
    '  linux-patch-api --version | --help',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'The config defaults to /etc/linux_patch_api/config.yaml. `linux-patch-api COMMAND --help` says more.',
    '',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  return `usage: ${command.usage}\n\n${command.summary}\n\n${command.help}\n`;
}

/** `--help`/`-h` anywhere before a `--` asks for the command's help, whatever else is given. */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** Dispatches argv to a command (the first positional argument, `serve` when there is none). */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    process.stdout.write(`${CORE_VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  const named = first === undefined || first.startsWith('-') ? undefined : COMMANDS.find((command) => command.name === first);
  if (first !== undefined && !first.startsWith('-') && named === undefined) {
    process.stderr.write(`unknown command: ${first}\n\n${helpText()}`);
    return 2;
  }
  const command = named ?? DEFAULT_COMMAND;
  if (named !== undefined && asksForHelp(rest)) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(named === undefined ? argv : rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
