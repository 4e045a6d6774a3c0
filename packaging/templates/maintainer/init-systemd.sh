# systemd: nothing to do when installing into another root (DPKG_ROOT) or without a running systemd.
lpa_systemd_running() {
	[ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]
}

lpa_daemon_reload() {
	if lpa_systemd_running; then systemctl daemon-reload || true; fi
}

lpa_restart_service() {
	if lpa_systemd_running; then systemctl try-restart linux-patch-api.service || true; fi
}

lpa_stop_service() {
	if lpa_systemd_running; then systemctl stop linux-patch-api.service || true; fi
}
