// A do-nothing package-manager backend for bench/transport.ts, so that GET /health measures the
// transport and not a package manager: its package index "refreshes" instantly and nothing is
// ever installed. Selected with `backend.name: bench-idle`; never detected automatically.
const backend = {
  info: () => ({ packageManager: 'bench-idle', root: null }),
  listInstalled: async () => [],
  getPackage: async () => null,
  listUpgrades: async () => [],
  install: async () => ({ output: '' }),
  update: async () => ({ output: '' }),
  remove: async () => ({ output: '' }),
  applyUpgrades: async () => ({ output: '' }),
  planInstall: async () => [],
  planRemove: async () => [],
  planUpgrades: async () => [],
  refreshCache: async () => ({ output: '' }),
  lastCacheUpdate: async () => new Date(),
  isFetchError: () => false,
  validateName: () => null,
  validateVersion: () => null,
  compareVersions: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  findLockHolder: async () => null,
  repair: async () => ({ needed: false, consistent: true, output: '' }),
  rebootRequired: async () => false,
};

export default {
  name: 'bench-idle-backend',
  apiVersion: '^1.0.0',
  apply(host) {
    host.registerBackend({ name: 'bench-idle', detect: () => false, create: () => backend });
  },
};
