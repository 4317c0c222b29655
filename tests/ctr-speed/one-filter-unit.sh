#!/bin/sh
# one-filter.sh for the unit path: in a real systemd (booted with
# tests/harness/systemd-env.sh when PID 1 is not systemd), a container
# started as a unit has one seccomp filter more than a service beside it
# (nspawn's are off by the unit's SYSTEMD_SECCOMP=0), Volt's: it denies
# io_uring_setup, which nspawn's filter allows. Its program came
# precompiled from the record (ROOT/containers/NAME/seccomp.bpf).
# usage: one-filter-unit.sh VOLT LAUNCHER SYSCALL_PROBE SRCDIR TOP BUILD
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") probe=$(realpath "$3") src=$4 top=$5 build=$6
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }

if [ ! -d /run/systemd/system ] && [ -z "${VOLT_TEST_INSIDE:-}" ]; then
	tmp=$(mktemp -d /var/tmp/volt-ctr-speed-XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	exec sh "$top/tests/harness/systemd-env.sh" "$top" "$build" "$tmp" -- \
		systemd-run --wait --pipe -q -p Delegate=yes --setenv=VOLT_TEST_INSIDE=1 --setenv=VOLT_TEST_TMP="$tmp" \
		sh "$src/one-filter-unit.sh" "$volt" "$launcher" "$probe" "$src" "$top" "$build"
fi
tmp=${VOLT_TEST_TMP:-$(mktemp -d /var/tmp/volt-ctr-speed-XXXXXX)}
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
p=/usr/local/bin/syscall-probe
fail=0
# Inside the volatile test environment /etc/alternatives is empty: name awk itself.
AWK=$(command -v mawk || command -v gawk || command -v original-awk || echo awk)

base=$("$probe" --seccomp-filters | $AWK '/^Seccomp_filters:/ { print $2 }')
[ -n "$base" ] || { echo "SKIP: this kernel does not show Seccomp_filters"; exit 77; }
"$volt" container create u1 --rootfs "$tmp/image" -v "$probe:$p:ro" -- /bin/sh -c "$p --seccomp-filters; $p 425 425" >/dev/null ||
	exit 1
"$volt" container start u1 || exit 1
i=0
while ! "$volt" ps | grep -q '^u1 .*exited' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
out=$("$volt" logs u1 2>&1)
got=$(echo "$out" | $AWK '/^Seccomp_filters:/ { print $2 }')
if [ "$got" = $((base + 1)) ]; then
	echo "ok: unit: Seccomp_filters: $got (one more than a service beside it: $base)"
else
	echo "FAIL: unit: Seccomp_filters: ${got:-?}, not $((base + 1)) (a service beside it: $base):"
	echo "$out" | sed 's/^/  | /'
	fail=1
fi
case $out in
*"425 denied-eperm"*) echo "ok: unit: io_uring_setup denied (Volt's filter)" ;;
*) echo "FAIL: unit: io_uring_setup is not denied with EPERM"; fail=1 ;;
esac
case $out in
*"compiles its filter"*) echo "FAIL: unit: the launcher did not get the precompiled program:"; echo "$out" | sed 's/^/  | /'; fail=1 ;;
esac
[ -f "$tmp/root/containers/u1/seccomp.bpf" ] || { echo "FAIL: no precompiled program in the record"; fail=1; }
"$volt" rm -f u1 >/dev/null 2>&1
exit $fail
