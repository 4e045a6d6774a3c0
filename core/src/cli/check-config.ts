import { loadSettings } from '../config/load.js';
import { toLpaError } from '../errors.js';
import { loadTlsMaterial } from '../http/tls/material.js';
import { type CliCommand, parseConfigOption } from './command.js';

/** Validates the config, the whitelist and the TLS files the config names, without starting. */
export const checkConfigCommand: CliCommand = {
  name: 'check-config',
  summary: 'validate the config, whitelist and TLS files, then exit (0 = valid)',
  usage: 'linux-patch-api check-config --config FILE',
  help: `Options:
  -c, --config FILE  the configuration (default /etc/linux_patch_api/config.yaml)

Reads the configuration, the whitelist and the TLS files it names as the agent would at start,
without starting it. YAML errors name the line and column.
Exit status: 0 = valid, 1 = invalid (the reason on stderr), 2 = usage error.`,
  async run(argv) {
    const { configPath } = parseConfigOption(argv);
    try {
      const settings = await loadSettings(configPath);
      const material = await loadTlsMaterial(settings.config.tls);
      process.stdout.write(
        `${settings.configPath}: valid (${settings.allowList.entries.length} allow-list entries, server certificate valid until ${material.serverCertificate.validTo})\n`,
      );
      return 0;
    } catch (error) {
      process.stderr.write(`${toLpaError(error, 'LPA_ERR_CONFIG_INVALID').message}\n`);
      return 1;
    }
  },
};
