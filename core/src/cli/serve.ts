import { startAgent } from '../agent.js';
import { toLpaError } from '../errors.js';
import { createLogger } from '../logger.js';
import { SELF_RESTART_EXIT_CODE } from '../system/self-upgrade.js';
import { type CliCommand, parseConfigOption } from './command.js';

/**
 * Runs the agent in the foreground until SIGTERM or SIGINT: then it stops accepting, lets
 * in-flight requests finish, closes the rest and exits 0. A second signal exits at once.
 */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the agent in the foreground (the default command)',
  usage: 'linux-patch-api [serve] --config FILE',
  help: `Options:
  -c, --config FILE  the configuration (default /etc/linux_patch_api/config.yaml)

Logs JSON lines to stdout (level: LPA_LOG_LEVEL, default info). SIGTERM or SIGINT stops it cleanly.
Exit status: 0 = stopped by a signal, 1 = could not start (the reason is logged),
75 = restarting after a job upgraded the agent's own package.`,
  async run(argv) {
    const { configPath } = parseConfigOption(argv);
    const logger = createLogger();
    const flushed = () => new Promise<void>((resolve) => logger.flush(() => resolve()));
    let agent: Awaited<ReturnType<typeof startAgent>>;
    let restartForUpgrade = () => {};
    // Installed before the agent starts: a signal that arrives while it starts, even just after its
    // "listening" line, stops it cleanly once started instead of killing it; a second one exits now.
    let requested: NodeJS.Signals | null = null;
    let handle = (signal: NodeJS.Signals) => {
      if (requested !== null) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      requested = signal;
    };
    const onSignal = (signal: NodeJS.Signals) => handle(signal);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      agent = await startAgent({ configPath, logger, onSelfRestart: () => restartForUpgrade() });
    } catch (error) {
      const failure = toLpaError(error, 'LPA_ERR_CONFIG_INVALID');
      logger.fatal({ code: failure.code, reason: failure.message }, 'linux-patch-api could not start');
      await flushed();
      return 1;
    }
    return new Promise<number>((resolve) => {
      let stopping = false;
      handle = (signal: NodeJS.Signals) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now');
          resolve(1);
          return;
        }
        stopping = true;
        logger.info({ signal }, 'stopping');
        agent.stop().then(
          async () => {
            await flushed();
            resolve(0);
          },
          async (error: unknown) => {
            logger.error({ err: error }, 'error while stopping');
            await flushed();
            resolve(1);
          },
        );
      };
      // After a job upgraded the agent's own package: stop cleanly, then exit with the code the
      // service manager restarts on.
      restartForUpgrade = () => {
        if (stopping) return;
        stopping = true;
        logger.info('restarting to run the upgraded agent');
        agent.stop().then(
          async () => {
            await flushed();
            resolve(SELF_RESTART_EXIT_CODE);
          },
          async (error: unknown) => {
            logger.error({ err: error }, 'error while stopping for the restart');
            await flushed();
            resolve(SELF_RESTART_EXIT_CODE);
          },
        );
      };
      if (requested !== null) handle(requested);
    });
  },
};
