# Sourced by the exec tests: arguments, scratch space, a busybox tree,
# the checks of tests/ctr, and a foreground container to attack.
# usage of a test: TEST.sh VOLT LAUNCHER PROBE SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") probe=$(realpath "$3") src=$(realpath "$4")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/volt-sec-exec-XXXXXX)
bg_pids=""
cleanup() {
	for c in "$tmp/root/containers"/*; do
		[ -d "$c" ] && "$volt" stop -t 1s "${c##*/}" >/dev/null 2>&1
	done
	for p in $bg_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
sh "$src/../../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# The probe goes where the default policy lets a workload execute.
probe_in=/usr/local/bin/probe-exec
# shellcheck source=../../ctr/checks.sh
. "$src/../../ctr/checks.sh"

# start_fg NAME [RUN OPTIONS...]: a container that sleeps until stopped,
# in the background, with the probe bound in; waits until it runs.
start_fg() {
	fg_name=$1
	shift
	"$volt" run --name "$fg_name" --rootfs "$tmp/image" -v "$probe:$probe_in:ro" "$@" -- \
		/bin/sh -c 'trap "exit 0" TERM; while true; do sleep 0.2; done' >"$tmp/$fg_name.out" 2>&1 &
	bg_pids="$bg_pids $!"
	# (wait_for uses $n.)
	wait_for 20 sh -c "\"$volt\" ps 2>/dev/null | grep -q '^$fg_name .*running'" || {
		fail "container $fg_name did not start:"
		sed 's/^/  | /' "$tmp/$fg_name.out"
		"$volt" ps 2>&1 | sed 's/^/  | /'
		return 1
	}
}

# The pid of NAME's nspawn, from its run.pid.
nspawn_pid() { cut -d' ' -f1 "$tmp/root/containers/$1/run.pid"; }
