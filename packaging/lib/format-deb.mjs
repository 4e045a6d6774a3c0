// Debian package: DEBIAN/{control,conffiles,md5sums,maintainer scripts} + the staging tree, built
// with dpkg-deb (files owned by root whatever the builder's uid).
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianScripts } from './maintainer-scripts.mjs';
import { CONFIG_FILES } from './paths.mjs';
import { run } from './run.mjs';
import { installedSize, walkTree } from './tree.mjs';

/** Library dependencies of the native addons, as dpkg-shlibdeps computes them. */
function sharedLibraryDepends(stageDir, workDir) {
  const objects = walkTree(stageDir)
    .filter((entry) => entry.stat.isFile() && entry.path.endsWith('.node'))
    .map((entry) => join(stageDir, entry.path));
  if (objects.length === 0) return [];
  // dpkg-shlibdeps insists on reading debian/control from its working directory.
  const sourceDir = join(workDir, 'shlibdeps');
  mkdirSync(join(sourceDir, 'debian'), { recursive: true });
  writeFileSync(join(sourceDir, 'debian', 'control'), 'Source: linux-patch-api\n\nPackage: linux-patch-api\nArchitecture: any\n');
  const output = run('dpkg-shlibdeps', ['-O', '--warnings=0', ...objects.map((object) => `-e${object}`)], { cwd: sourceDir });
  const match = /^shlibs:Depends=(.*)$/m.exec(output);
  return match ? match[1].split(/,\s*/) : [];
}

export function buildDeb(target, { stageDir, workDir, outDir, version, arch, packager, description, homepage }) {
  const debianVersion = `${version}-1`;
  const sizeKiB = Math.ceil(installedSize(stageDir) / 1024);
  const control = join(stageDir, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  const md5sums = walkTree(stageDir)
    .filter((entry) => entry.stat.isFile() && !entry.path.startsWith('DEBIAN/') && !entry.path.startsWith('etc/'))
    .map(
      (entry) =>
        `${createHash('md5')
          .update(readFileSync(join(stageDir, entry.path)))
          .digest('hex')}  ${entry.path}`,
    )
    .join('\n');
  const [summary, ...body] = description;
  writeFileSync(
    join(control, 'control'),
    [
      'Package: linux-patch-api',
      `Version: ${debianVersion}`,
      `Architecture: ${arch}`,
      `Maintainer: ${packager}`,
      `Installed-Size: ${sizeKiB}`,
      `Depends: ${[target.nodeDependency, ...sharedLibraryDepends(stageDir, workDir), ...target.requires].join(', ')}`,
      'Section: admin',
      'Priority: optional',
      `Homepage: ${homepage}`,
      `Description: ${summary}`,
      ...body.map((line) => (line === '' ? ' .' : ` ${line}`)),
      '',
    ].join('\n'),
  );
  writeFileSync(join(control, 'conffiles'), `${CONFIG_FILES.join('\n')}\n`);
  writeFileSync(join(control, 'md5sums'), `${md5sums}\n`);
  for (const [name, content] of Object.entries(debianScripts())) {
    writeFileSync(join(control, name), content);
    chmodSync(join(control, name), 0o755);
  }
  for (const file of ['control', 'conffiles', 'md5sums']) chmodSync(join(control, file), 0o644);
  chmodSync(control, 0o755);
  const output = join(outDir, `linux-patch-api_${debianVersion}_${arch}.deb`);
  // gzip: several times faster to build than xz, readable by every dpkg.
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z9', '--build', stageDir, output]);
  return output;
}
