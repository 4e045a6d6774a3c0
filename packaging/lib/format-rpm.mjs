// RPM (dnf and yum flavours): a spec whose %install copies the staging tree, built with rpmbuild.
// Automatic dependency scanning is off: the package requires exactly what the spec says.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rpmScriptlets } from './maintainer-scripts.mjs';
import { CONFIG_DIR, CONFIG_FILES, INSTALL_PREFIX, LICENSE_PATH, MAN_PAGE, PRIVATE_DIRS } from './paths.mjs';
import { run } from './run.mjs';

/** A gzip payload: every rpm reads it (EL7's too), and it builds several times faster than xz. */
const PAYLOAD = 'w9.gzdio';

function fileList(target) {
  const service =
    target.init === 'systemd'
      ? ['%attr(0644,root,root) /usr/lib/systemd/system/linux-patch-api.service']
      : ['%attr(0755,root,root) /etc/init.d/linux-patch-api'];
  return [
    '%defattr(-,root,root,-)',
    '%attr(0755,root,root) /usr/bin/linux-patch-api',
    INSTALL_PREFIX,
    ...service,
    `%attr(0644,root,root) ${MAN_PAGE}`,
    `%license ${LICENSE_PATH}`,
    `%dir %attr(0755,root,root) ${CONFIG_DIR}`,
    ...CONFIG_FILES.map((file) => `%config(noreplace) %attr(0640,root,root) ${file}`),
    ...PRIVATE_DIRS.map((dir) => `%dir %attr(0700,root,root) ${dir}`),
  ].join('\n');
}

/** rpm names libraries by soname, as its automatic dependencies would (rpmlint: explicit-lib-dependency). */
function requirement(dependency, arch) {
  const sonames = { 'libstdc++': 'libstdc++.so.6' };
  const soname = sonames[dependency];
  if (soname === undefined) return dependency;
  return /64|s390x/.test(arch) ? `${soname}()(64bit)` : soname;
}

function changelogDate(date) {
  const [weekday, month, day, year] = date.toDateString().split(' ');
  return `${weekday} ${month} ${day} ${year}`;
}

function spec(target, { stageDir, version, arch, packager, description, buildDate, homepage }) {
  const scriptlets = rpmScriptlets();
  const [summary, ...body] = description;
  return `%define debug_package %{nil}
%define __strip /bin/true
%global __os_install_post %{nil}
%define _build_id_links none
%define _binary_payload ${PAYLOAD}

Name: linux-patch-api
Version: ${version}
Release: ${target.release}
Summary: ${summary}
License: MIT
Group: System Environment/Daemons
URL: ${homepage}
Packager: ${packager}
AutoReqProv: no
${[target.nodeDependency, ...target.requires].map((dep) => `Requires: ${requirement(dep, arch)}`).join('\n')}
Requires(post): /bin/sh
Requires(preun): /bin/sh
Requires(postun): /bin/sh
ExclusiveArch: ${arch}

%description
${body.join('\n')}

%install
mkdir -p %{buildroot}
cp -a ${stageDir}/. %{buildroot}/

%files
${fileList(target)}

%post
${scriptlets.post}
%preun
${scriptlets.preun}
%postun
${scriptlets.postun}
%changelog
* ${changelogDate(buildDate)} ${packager} - ${version}-${target.release}
- Release ${version}.
`;
}

export function buildRpm(target, options) {
  const { workDir, outDir, arch } = options;
  const topDir = join(workDir, 'rpmbuild');
  mkdirSync(join(topDir, 'SPECS'), { recursive: true });
  const specPath = join(topDir, 'SPECS', `${target.id}.spec`);
  writeFileSync(specPath, spec(target, options));
  const rpmOut = join(workDir, 'rpms');
  run(
    'rpmbuild',
    [
      '-bb',
      '--target',
      arch,
      '--define',
      `_topdir ${topDir}`,
      '--define',
      `_rpmdir ${rpmOut}`,
      '--define',
      `_dbpath ${join(workDir, 'rpmdb')}`,
      '--define',
      '_rpmfilename %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm',
      specPath,
    ],
    { env: { ...process.env, HOME: workDir } },
  );
  const [built] = readdirSync(rpmOut).filter((name) => name.endsWith('.rpm'));
  const output = join(outDir, built);
  copyFileSync(join(rpmOut, built), output);
  return output;
}
