#!/bin/sh
# The unit path of the exec tests, against a real systemd PID 1 (the
# host's OS booted in a container, tests/harness/systemd-env.sh), in one
# boot: DevicePolicy, the relay in the unit's cgroup under --pids-limit,
# and `volt exec` into a unit whose /run/volt was replaced.
# usage: units.sh VOLT LAUNCHER PROBE SRCDIR PROJECT_ROOT BUILD_ROOT
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") probe=$(realpath "$3") src=$(realpath "$4")
top=$(realpath "$5") build=$(realpath "$6")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
tmp=$(mktemp -d /var/tmp/volt-sec-units-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$top/images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
binds="$top $tmp"
for b in "$build" "$(dirname "$volt")" "$(dirname "$launcher")" "$(dirname "$probe")"; do
	case $b in "$top"/*) ;; *) binds="$binds $b" ;; esac
done
# shellcheck disable=SC2086
sh "$top/tests/harness/systemd-env.sh" $binds -- sh "$src/units-inner.sh" "$volt" "$launcher" "$probe" "$src" "$tmp"
