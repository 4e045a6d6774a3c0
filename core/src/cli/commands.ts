import { auditCommand } from './audit-verify.js';
import { checkConfigCommand } from './check-config.js';
import type { CliCommand } from './command.js';
import { pkiCommand } from './pki.js';
import { serveCommand } from './serve.js';

/** Every sub-command; a new one is a file in cli/ and one line here. */
export const COMMANDS: readonly CliCommand[] = [serveCommand, checkConfigCommand, auditCommand, pkiCommand];

export const DEFAULT_COMMAND = serveCommand;
