import { parseArgs } from 'node:util';

/** One `linux-patch-api` sub-command. run() resolves with the process exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  /** One or more `linux-patch-api …` lines; continuation lines are indented to line up after `usage: `. */
  usage: string;
  /** What `linux-patch-api COMMAND --help` prints below the usage: options and exit statuses. */
  help: string;
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {}

export const DEFAULT_CONFIG_PATH = '/etc/linux_patch_api/config.yaml';

/** Parses `--config FILE` (the one option every command shares); anything unknown is a usage error. */
export function parseConfigOption(argv: string[]): { configPath: string } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' } },
      strict: true,
      allowPositionals: false,
    });
    return { configPath: values.config ?? DEFAULT_CONFIG_PATH };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
