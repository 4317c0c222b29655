#!/bin/sh
# Every process running the launcher's binary (on the host, that is the
# -p relay; inside containers the launcher has executed the workload):
# one line "PID THREADS CGROUP UID" each (CGROUP: the v2 path, or "-";
# UID: the real uid on the host).
# (No awk: the systemd test environment may lack it.)
# usage: relays.sh LAUNCHER
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/exe" 2>/dev/null)" = "$1" ] || continue
	# The private network's watcher (launcher/hostnet.c) is not a relay.
	[ "$(cat "$p/comm" 2>/dev/null)" = volt-netwatch ] && continue
	threads=$(sed -n 's/^Threads:[[:space:]]*//p' "$p/status" 2>/dev/null)
	cg=$(sed -n 's/^0:://p' "$p/cgroup" 2>/dev/null)
	uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "$p/status" 2>/dev/null)
	[ -n "$threads" ] && echo "${p#/proc/} $threads ${cg:--} $uid"
done
