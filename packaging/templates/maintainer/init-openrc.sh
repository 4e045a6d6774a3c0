# OpenRC: only act on a running service of this machine.
lpa_daemon_reload() {
	:
}

lpa_restart_service() {
	if [ -x /sbin/rc-service ]; then /sbin/rc-service --ifstarted linux-patch-api restart || true; fi
}

lpa_stop_service() {
	if [ -x /sbin/rc-service ]; then /sbin/rc-service --ifstarted linux-patch-api stop || true; fi
}
