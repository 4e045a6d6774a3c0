import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };

/** The core package's own version (what `--version` and /health report). */
export const CORE_VERSION: string = pkg.version;

/**
 * The version of the public plugin API. Plugins declare a semver range against it
 * (`apiVersion: '^1.0.0'`); bump the major on any breaking change to src/contracts or hooks, the minor on additions that
 * plugins written against an earlier 1.x need not implement (1.1: optional backend capabilities,
 * package-manager version, index fingerprint, version availability and planned installs).
 */
export const PLUGIN_API_VERSION = '1.1.0';
