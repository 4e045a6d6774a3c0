# linux-patch-api: restart after an upgrade, or leave the restart to the agent.
# An upgrade restarts the service. When the agent itself runs the package manager (a job upgrading
# linux-patch-api through the API), restarting the service now would kill that job half-way. While
# a mutating job runs, the agent keeps state/mutation-in-progress holding its pid; seeing a live pid
# there, this script only leaves state/restart-pending, and the agent restarts itself after the job
# has finished and its outcome is recorded.
lpa_state_dir="${DPKG_ROOT:-}/var/lib/linux_patch_api/state"

lpa_agent_job_running() {
	[ -r "$lpa_state_dir/mutation-in-progress" ] || return 1
	lpa_pid=$(sed -n '1s/^\([0-9][0-9]*\).*$/\1/p' "$lpa_state_dir/mutation-in-progress")
	# Stderr closed rather than sent to /dev/null, which a bare chroot may lack.
	[ -n "$lpa_pid" ] && kill -0 "$lpa_pid" 2>&-
}

lpa_leave_restart_to_agent() {
	: >"$lpa_state_dir/restart-pending"
	chmod 0600 "$lpa_state_dir/restart-pending"
}

lpa_restart_or_defer() {
	if lpa_agent_job_running; then
		lpa_leave_restart_to_agent
	else
		lpa_restart_service
	fi
}

lpa_stop_or_defer() {
	if lpa_agent_job_running; then
		lpa_leave_restart_to_agent
	else
		lpa_stop_service
	fi
}
