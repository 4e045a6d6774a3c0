import { loadSettings } from '../config/load.js';
import { assertUsable, installedBackendNames } from '../config/usable.js';
import { toLpaError } from '../errors.js';
import { crlCondition } from '../http/tls/material.js';
import { createLogger } from '../logger.js';
import { type CliCommand, parseConfigOption } from './command.js';

/** Validates the config, the whitelist and the TLS files the config names, without starting. */
export const checkConfigCommand: CliCommand = {
  name: 'check-config',
  summary: 'validate the config, whitelist, TLS files, paths and backend, then exit (0 = valid)',
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
      const material = await assertUsable(settings, {
        requireWhitelistFile: true,
        backendNames: () => installedBackendNames(settings.config, settings.configPath, createLogger({ level: 'silent' })),
      });
      // Loads, but the running agent would report degraded: the deployment should know now.
      const condition = crlCondition(material);
      if (condition !== null) {
        process.stderr.write(`${settings.configPath}: tls.crl: ${condition}\n`);
        return 1;
      }
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
