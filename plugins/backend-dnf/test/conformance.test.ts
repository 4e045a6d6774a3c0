import { verifyRpmBackendPlugin } from '../../rpm-common/test/conformance.js';
import { registeredBackend } from '../../rpm-common/test/helpers.js';
import plugin from '../src/index.js';

await verifyRpmBackendPlugin('backend conformance: dnf (real dnf 4)', () => registeredBackend(plugin, {}));
