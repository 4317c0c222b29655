#!/bin/sh
# The default seccomp profile's guards hold in containers too (the
# launcher applies the same profile): in a `volt run --network none`
# container, socket(AF_VSOCK) is denied (the host's vsock ports), and so
# are TIOCSTI and TIOCLINUX on a pty the container made itself; and an
# ordinary container still runs under the new profile.
# usage: container-guards.sh VOLT LAUNCHER PROBE SRCROOT
VOLT=$(realpath "$1") LAUNCHER=$(realpath "$2") PROBE=$(realpath "$3") SRCROOT=$4
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
"$PROBE" vsock 2>&1 | grep -qF "socket(AF_VSOCK): ok" || { echo "SKIP: no AF_VSOCK on this host"; exit 77; }
export VOLT_CTR_LAUNCHER="$LAUNCHER"
sh "$SRCROOT/images/busybox-rootfs.sh" "$T/image" >/dev/null || exit 1

run() {
	out=$1; shift
	"$VOLT" run --rm --network none --rootfs "$T/image" -v "$PROBE:/usr/local/bin/probe:ro" "$@" \
		</dev/null >"$T/$out" 2>&1
	echo "  $out (exit $?):"; show "$T/$out"
}
run vsock.out -- /usr/local/bin/probe vsock
check "container: socket(AF_VSOCK) is denied" has "$T/vsock.out" "socket(AF_VSOCK): denied (EPERM)"
check "container: socket(AF_UNIX) still works" has "$T/vsock.out" "socket(AF_UNIX) (allowed): ok"

# The default profile without Landlock, so that /dev/ptmx can be opened.
echo '{"seccomp": {"profile": "default"}}' >"$T/seccomp-only.json"
run tty.out --policy "$T/seccomp-only.json" -- /usr/local/bin/probe tiocsti-own
check "container: TIOCSTI on its own pty is denied" has "$T/tty.out" "tiocsti own pty: denied (EPERM)"
check "container: TIOCLINUX is denied" has "$T/tty.out" "tioclinux: denied (EPERM)"

run sh.out -- /bin/sh -c 'echo hi > /tmp/f && cat /tmp/f && ls /usr/bin >/dev/null && echo ordinary-ok'
check "container: an ordinary workload still runs" has "$T/sh.out" "ordinary-ok"
finish
