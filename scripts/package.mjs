#!/usr/bin/env node
// `npm run package`: builds the native packages (.deb, .rpm for dnf and for yum, .apk,
// .pkg.tar.zst) into dist/ at the repository root. Options: --out DIR, --only deb,rpm-dnf,…, --skip-build,
// --unbundled (ship the installed npm tree module by module, as the memory account measures it).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPackages } from '../packaging/lib/build.mjs';
import { DEFAULT_OUT_DIR } from '../packaging/lib/paths.mjs';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    only: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    unbundled: { type: 'boolean', default: false },
  },
});

try {
  const built = buildPackages({
    outDir: values.out ? resolve(values.out) : DEFAULT_OUT_DIR,
    targets: values.only ? values.only.split(',') : undefined,
    skipBuild: values['skip-build'],
    bundle: !values.unbundled,
    log: (line) => console.log(`> ${line}`),
  });
  console.log('\nbuilt:');
  for (const path of Object.values(built)) console.log(`  ${path}`);
} catch (error) {
  console.error(`packaging failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
