import type { Logger } from '../contracts/logger.js';

/** A logger that drops everything: for backends and sinks under test whose log lines nobody reads. */
export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return silentLogger;
  },
};
