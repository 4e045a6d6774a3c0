import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { listAuditFiles, readAuditSeal, verifyAuditFiles } from '../audit/verify.js';
import { loadConfig } from '../config/load.js';
import { toLpaError } from '../errors.js';
import { type CliCommand, DEFAULT_CONFIG_PATH, UsageError } from './command.js';

export interface AuditVerifyOutput {
  out(line: string): void;
  err(line: string): void;
}

const processOutput: AuditVerifyOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Files as given, in the given order; a directory stands for its audit files in chain order. */
async function expand(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) files.push(...(await listAuditFiles(path)));
    else files.push(path);
  }
  return files;
}

/**
 * `audit verify [FILE|DIR…] [--config FILE]`: walks the hash chain and reports the first broken
 * link, or records missing after the last checkpoint (audit.seal beside audit.log). Without paths it checks the configured `paths.log_dir` (rotated .gz files oldest first,
 * then audit.log). Exit 0 = intact, 1 = broken, 2 = nothing to check or a usage error.
 */
export async function runAuditVerify(argv: string[], output: AuditVerifyOutput = processOutput): Promise<number> {
  let parsed: { values: { config?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [action, ...paths] = parsed.positionals;
  if (action !== 'verify')
    throw new UsageError(action === undefined ? 'missing action: verify' : `unknown audit action: ${action}`);
  let files: string[];
  try {
    const targets = paths.length > 0 ? paths : [(await loadConfig(parsed.values.config ?? DEFAULT_CONFIG_PATH)).paths.log_dir];
    files = await expand(targets);
  } catch (error) {
    output.err(`audit verify: ${toLpaError(error, 'LPA_ERR_CONFIG_INVALID').message}`);
    return 2;
  }
  if (files.length === 0) {
    output.err('audit verify: no audit files found');
    return 2;
  }
  const result = await verifyAuditFiles(files, await readAuditSeal(files));
  if (result.ok) {
    const sealed =
      result.sealed === undefined
        ? ''
        : `; sealed up to the last checkpoint, ${result.sealed.records_after_seal} records after it`;
    output.out(`audit verify: intact (${result.records} records in ${result.files} files${sealed})`);
    return 0;
  }
  output.err(`audit verify: broken link at ${result.file}:${result.line}: ${result.reason}`);
  return 1;
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: "verify the audit file's hash chain (exit 0 = intact, 1 = first broken link reported)",
  usage: 'linux-patch-api audit verify [FILE|DIR…] [--config FILE]',
  help: `Walks the audit file's hash chain and reports the first broken link. Without a path it checks
paths.log_dir of the configuration: rotated audit-*.log.gz files oldest first, then audit.log.

Options:
  -c, --config FILE  the configuration whose paths.log_dir to check (default /etc/linux_patch_api/config.yaml)

Exit status: 0 = intact, 1 = a broken link (file and line on stderr), 2 = nothing to check or a usage error.`,
  run: (argv) => runAuditVerify(argv),
};
