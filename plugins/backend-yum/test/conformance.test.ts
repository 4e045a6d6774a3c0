import { verifyRpmBackendPlugin } from '../../rpm-common/test/conformance.js';
import { registeredBackend } from '../../rpm-common/test/helpers.js';
import plugin from '../src/index.js';

await verifyRpmBackendPlugin('backend conformance: yum (real dnf 4 invoked as yum)', (sandbox) =>
  registeredBackend(plugin, { binary: sandbox.yumBinary }),
);
