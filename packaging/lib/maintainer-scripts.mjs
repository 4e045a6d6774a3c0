// Maintainer scripts for each format, composed from the shared shell snippets in templates/maintainer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from './paths.mjs';

function snippet(name) {
  return readFileSync(join(TEMPLATES_DIR, 'maintainer', name), 'utf8');
}

/** The shell functions every script uses: the init system's service control plus self-upgrade. */
export function scriptLibrary(init) {
  return `${snippet(init === 'openrc' ? 'init-openrc.sh' : 'init-systemd.sh')}\n${snippet('self-upgrade.sh')}`;
}

function shellScript(init, body) {
  return `#!/bin/sh\nset -e\n\n${scriptLibrary(init)}\n${body}`;
}

/** Debian: postinst, prerm, postrm (DPKG_ROOT set means another root: no service to touch). */
export function debianScripts() {
  return {
    postinst: shellScript(
      'systemd',
      `case "$1" in
configure)
	lpa_daemon_reload
	# $2 is the previously configured version: set on upgrades only.
	if [ -n "$2" ]; then lpa_restart_or_defer; fi
	;;
esac
exit 0
`,
    ),
    prerm: shellScript(
      'systemd',
      `case "$1" in
remove | deconfigure)
	lpa_stop_or_defer
	;;
esac
exit 0
`,
    ),
    postrm: shellScript(
      'systemd',
      `case "$1" in
remove)
	lpa_daemon_reload
	;;
purge)
	lpa_daemon_reload
	rm -rf "\${DPKG_ROOT:-}/var/lib/linux_patch_api" "\${DPKG_ROOT:-}/var/log/linux_patch_api"
	;;
esac
exit 0
`,
    ),
  };
}

/** RPM scriptlets; $1 counts the instances left after the transaction (0 = erase, >= 1 = upgrade). */
export function rpmScriptlets() {
  const library = scriptLibrary('systemd');
  return {
    post: `${library}\nlpa_daemon_reload\n`,
    preun: `${library}\nif [ "$1" -eq 0 ]; then lpa_stop_or_defer; fi\n`,
    postun: `${library}\nlpa_daemon_reload\nif [ "$1" -ge 1 ]; then lpa_restart_or_defer; fi\n`,
  };
}

/** pacman's .INSTALL: functions named after the transaction step. */
export function pacmanInstallScript() {
  return `${scriptLibrary('systemd')}
post_install() {
	lpa_daemon_reload
}

post_upgrade() {
	lpa_daemon_reload
	lpa_restart_or_defer
}

pre_remove() {
	lpa_stop_or_defer
}

post_remove() {
	lpa_daemon_reload
}
`;
}

/** apk-tools runs .post-install / .post-upgrade / .pre-deinstall with a cleared environment. */
export function apkScripts() {
  return {
    '.post-upgrade': shellScript('openrc', 'lpa_restart_or_defer\nexit 0\n'),
    '.pre-deinstall': shellScript('openrc', 'lpa_stop_or_defer\nexit 0\n'),
  };
}
