#!/bin/sh
# A container has exactly one seccomp filter, and it is Volt's: nspawn
# installs none of its own (SYSTEMD_SECCOMP=0), the launcher installs
# Volt's. Seen from inside: /proc/self/status says Seccomp_filters: 1,
# and io_uring_setup, which nspawn's filter lets through to the kernel
# and Volt's denies, is refused with EPERM.
# usage: one-filter.sh VOLT LAUNCHER SYSCALL_PROBE SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") probe=$(realpath "$3") src=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/volt-ctr-speed-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
p=/usr/local/bin/syscall-probe
fail=0

# What this process is under already (a test run inside a container has
# its filters): a container adds exactly one to it.
base=$("$probe" --seccomp-filters | awk '/^Seccomp_filters:/ { print $2 }')
[ -n "$base" ] || { echo "SKIP: this kernel does not show Seccomp_filters"; exit 77; }
check() { # WHAT OUTPUT
	got=$(echo "$2" | awk '/^Seccomp_filters:/ { print $2 }')
	if [ "$got" = $((base + 1)) ]; then
		echo "ok: $1: Seccomp_filters: $got (one more than outside)"
	else
		echo "FAIL: $1: Seccomp_filters: ${got:-?}, not $((base + 1)) (outside: $base):"
		echo "$2" | sed 's/^/  | /'
		fail=1
	fi
	case $2 in
	*"425 denied-eperm"*) echo "ok: $1: io_uring_setup denied (Volt's filter)" ;;
	*) echo "FAIL: $1: io_uring_setup is not denied with EPERM:"; echo "$2" | sed 's/^/  | /'; fail=1 ;;
	esac
}

out=$("$volt" run --rm --rootfs "$tmp/image" -v "$probe:$p:ro" -- /bin/sh -c "$p --seccomp-filters; $p 425 425" 2>&1)
check "volt run" "$out"
exit $fail
