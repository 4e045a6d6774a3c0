import { backendScenarios } from '../../rpm-common/test/backend-scenarios.js';
import { registeredBackend } from '../../rpm-common/test/helpers.js';
import plugin from '../src/index.js';

// RHEL 8+'s yum is dnf 4: real dnf invoked through a symlink named `yum`, driven with yum's spellings.
backendScenarios({
  title: 'yum backend on a sandbox root (real dnf 4 invoked as yum, and rpm)',
  packageManager: 'yum',
  definition: (sandbox) => registeredBackend(plugin, { binary: sandbox.yumBinary }),
  expectedBinary: (sandbox) => sandbox.yumBinary,
});
