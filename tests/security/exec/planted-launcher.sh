#!/bin/sh
# Escape 1: a container replaces /run/volt (the launcher and the policy
# `volt exec` used to execute and read by path after entering the
# container); the next `volt exec` must still run the real launcher with
# the container's real policy: seccomp on, no capabilities.
# usage: planted-launcher.sh VOLT LAUNCHER PROBE SRCDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

start_fg victim || { finish; exit 1; }
expect 0 "Seccomp:	2" "$volt" exec victim -- "$probe_in" status

echo "== a planted policy (with a copy of the real launcher)"
expect 0 "" "$volt" exec victim -- /bin/sh -c 'mv /run/volt /run/volt.orig && mkdir /run/volt &&
	cp /run/volt.orig/launch /run/volt/launch &&
	echo "{\"seccomp\": {\"profile\": \"none\"}, \"capabilities\": [\"CAP_SYS_ADMIN\"]}" >/run/volt/policy.json'
"$volt" exec victim -- "$probe_in" status >"$tmp/out" 2>&1
sed 's/^/  | /' "$tmp/out"
grep -q "Seccomp:	2" "$tmp/out" || fail "volt exec applied the policy the container planted (no seccomp)"
grep -q "CapEff:	0000000000000000" "$tmp/out" || fail "volt exec applied the policy the container planted (capabilities)"

echo "== a planted launcher binary"
expect 0 "" "$volt" exec victim -- /bin/sh -c \
	"cp $probe_in /run/volt/launch"
"$volt" exec victim -- "$probe_in" status >"$tmp/out" 2>&1
sed 's/^/  | /' "$tmp/out"
! grep -q "PLANTED LAUNCHER RAN" "$tmp/out" || fail "volt exec ran the launcher the container planted"
grep -q "Seccomp:	2" "$tmp/out" || fail "the exec'd command runs without its seccomp filter"
grep -q "CapEff:	0000000000000000" "$tmp/out" || fail "the exec'd command keeps capabilities"
expect 1 "" "$volt" exec victim -- /bin/test -e /tmp/planted-ran

echo "== exec still works with /run/volt gone, in the workload's working directory"
expect 0 "" "$volt" exec victim -- /bin/rm -rf /run/volt
expect 0 "^/$" "$volt" exec victim -- /bin/pwd
expect 0 "^ok$" "$volt" exec victim -- /bin/echo ok
finish
