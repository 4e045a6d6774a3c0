// Where the packaging sources live, and where the agent is installed on the target system.
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));
export const DEFAULT_OUT_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

/** On the target: the production node_modules tree. */
export const INSTALL_PREFIX = '/usr/lib/linux-patch-api';
export const CONFIG_DIR = '/etc/linux_patch_api';
export const MAN_PAGE = '/usr/share/man/man8/linux-patch-api.8.gz';
/** The project's LICENSE on distributions that collect licenses there (Debian: doc/copyright). */
export const LICENSE_PATH = '/usr/share/licenses/linux-patch-api/LICENSE';
export const CONFIG_FILES = ['/etc/linux_patch_api/config.yaml', '/etc/linux_patch_api/whitelist.yaml'];
/** Directories the package creates with mode 0700. */
export const PRIVATE_DIRS = [
  '/etc/linux_patch_api/certs',
  '/var/lib/linux_patch_api',
  '/var/lib/linux_patch_api/jobs',
  '/var/lib/linux_patch_api/state',
  '/var/log/linux_patch_api',
];
