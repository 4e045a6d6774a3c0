// The systemd unit for one distro, rendered from the single template.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from './paths.mjs';

export function renderSystemdUnit(target) {
  const writable = target.writable.map(([path, why]) => `# ${path.replace(/^-/, '')}: ${why}\nReadWritePaths=${path}`).join('\n');
  return readFileSync(join(TEMPLATES_DIR, 'linux-patch-api.service.in'), 'utf8')
    .replace('{{PACKAGE_MANAGER_PATHS}}', target.packageManagerPaths)
    .replace('{{READ_WRITE_PATHS}}', writable);
}
