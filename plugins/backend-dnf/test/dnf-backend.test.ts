import { backendScenarios } from '../../rpm-common/test/backend-scenarios.js';
import { registeredBackend } from '../../rpm-common/test/helpers.js';
import plugin from '../src/index.js';

backendScenarios({
  title: 'dnf backend on a sandbox root (real dnf 4 and rpm)',
  packageManager: 'dnf',
  definition: () => registeredBackend(plugin, {}),
  expectedBinary: () => '/usr/bin/dnf',
});
