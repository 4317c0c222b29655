#!/bin/sh
# A start begins the kernel's cgroup-move grace period itself
# (libvolt-ctr/src/cgroup-warm.c, docs/ctr-start.md): `volt run` and
# `volt container start` write "0" to the cgroup.procs of the cgroup volt
# is in (a move of volt into where it already is), seen through an
# LD_PRELOAD log of every write to a cgroup.procs. The write moves volt
# nowhere, and the container runs as before. The unit path is checked in
# a real systemd (booted with tests/harness/systemd-env.sh when PID 1 is
# not systemd).
# usage: cgroup-warm.sh VOLT LAUNCHER CGROUP_LOG_SO SRCDIR TOP BUILD
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") preload=$(realpath "$3") src=$(realpath "$4") top=$(realpath "$5")
build=$(realpath "$6")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
# Inside the volatile test environment /etc/alternatives is empty: name awk itself.
AWK=$(command -v mawk || command -v gawk || command -v original-awk || echo awk)
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# The cgroup.procs path volt's own write must name: its cgroup, in the
# unified hierarchy (or systemd's v1 one where there is none).
own=$($AWK -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
[ -n "$own" ] || own=$($AWK -F: '$2 == "name=systemd" { print $3 }' /proc/self/cgroup)
[ "$own" = / ] && own=
want="$own/cgroup.procs"

# check WHAT LOG: volt's warm-up write is in LOG, and moved it nowhere.
check() {
	line=$($AWK -v w="$want" '$1 == "begin" && $3 == "volt" && $5 == "0" &&
		substr($4, length($4) - length(w) + 1) == w && $4 ~ "^/sys/fs/cgroup/" { print; exit }' "$2")
	if [ -z "$line" ]; then
		bad "$1: volt wrote \"0\" to no cgroup.procs ending in $want; the writes to cgroup.procs:"
		sed 's/^/  | /' "$2"
		return
	fi
	pid=$(echo "$line" | $AWK '{ print $2 }')
	if $AWK -v p="$pid" '$1 == "end" && $2 == p && $3 == "volt" && $5 == "same" { f = 1 } END { exit !f }' "$2"; then
		ok "$1: volt moved itself into its own cgroup ($(echo "$line" | $AWK '{ print $4 }')), and stayed there"
	else
		bad "$1: volt's write to its own cgroup.procs moved it, or never ended:"
		sed 's/^/  | /' "$2"
	fi
}

if [ -z "${VOLT_TEST_INSIDE:-}" ]; then
	tmp=$(mktemp -d /var/tmp/volt-ctr-speed-XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
	export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"

	# 1. The foreground path, here.
	log=$tmp/cgroup.log
	: >"$log"
	out=$(VOLT_TEST_CGROUP_LOG="$log" LD_PRELOAD="$preload" "$volt" run --rm --rootfs "$tmp/image" -- /bin/echo ran 2>&1)
	echo "$out" | grep -qx ran || bad "volt run --rm under the cgroup log: $out"
	check "volt run --rm" "$log"

	# 2. The unit path, in a real systemd.
	if [ -d /run/systemd/system ]; then
		VOLT_TEST_INSIDE=1 VOLT_TEST_TMP="$tmp" sh "$src/cgroup-warm.sh" "$volt" "$launcher" "$preload" "$src" "$top" "$build" ||
			fail=1
	else
		out=$(sh "$top/tests/harness/systemd-env.sh" "$top" "$build" "$tmp" -- \
			systemd-run --wait --pipe -q -p Delegate=yes --setenv=VOLT_TEST_INSIDE=1 --setenv=VOLT_TEST_TMP="$tmp" \
			sh "$src/cgroup-warm.sh" "$volt" "$launcher" "$preload" "$src" "$top" "$build" 2>&1)
		rc=$?
		echo "$out" | grep -v '^systemd test environment'
		case $rc in
		0) ;;
		77) echo "skip: the unit path (no systemd test environment here)" ;;
		*) fail=1 ;;
		esac
	fi
	[ $fail = 0 ] && echo "PASS" || echo "FAILED"
	exit $fail
fi

# Inside: a unit's start.
tmp=$VOLT_TEST_TMP
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root-unit"
"$volt" container create warm-u --rootfs "$tmp/image" -- /bin/true >/dev/null || exit 1
log=$tmp/cgroup-unit.log
: >"$log"
VOLT_TEST_CGROUP_LOG="$log" LD_PRELOAD="$preload" "$volt" container start warm-u || bad "volt container start failed"
check "volt container start" "$log"
i=0
while ! "$volt" ps | grep -q '^warm-u .*exited' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
"$volt" ps -a | grep -q '^warm-u .*exited' || bad "the unit's container did not run to its end: $("$volt" ps -a)"
"$volt" rm -f warm-u >/dev/null 2>&1
exit $fail
