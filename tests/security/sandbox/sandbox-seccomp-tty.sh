#!/bin/sh
# The second wall behind escapes 2 and 3: the default seccomp profile
# denies ioctl(TIOCSTI) and ioctl(TIOCLINUX), compared on the low 32
# bits of the request as the kernel reads it (a request with high bits
# set must not slip past). The probe opens a pty pair of its own, makes
# it its controlling terminal in a new session (so that the tty layer
# itself would allow TIOCSTI) and tries; TCGETS must still work.
# A policy with the default profile and no Landlock (so /dev/ptmx opens).
# usage: sandbox-seccomp-tty.sh VOLT PROBE
VOLT=$(realpath "$1") PROBE=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
[ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 0 ] &&
	{ echo "SKIP: dev.tty.legacy_tiocsti=0: this kernel refuses TIOCSTI to everyone"; exit 77; }

"$PROBE" tiocsti-own >"$T/bare.out" 2>&1
echo "  without a sandbox:"; show "$T/bare.out"
has "$T/bare.out" "tiocsti own pty: ok" || { echo "SKIP: TIOCSTI does not work here even without a sandbox"; exit 77; }

for profile in default kill; do
	if [ $profile = kill ]; then
		echo '{"seccomp": {"profile": "default", "action": "kill"}}' >"$T/p.json"
	else
		echo '{"seccomp": {"profile": "default"}}' >"$T/p.json"
	fi
	"$VOLT" sandbox run -p "$T/p.json" -- "$PROBE" tiocsti-own </dev/null >"$T/$profile.out" 2>&1
	echo "  profile default, action $profile:"; show "$T/$profile.out"
	if [ $profile = kill ]; then
		check "action kill: TIOCSTI kills the probe" has "$T/$profile.out" "tiocsti own pty: killed by signal 31"
		continue
	fi
	check "TIOCSTI on a pty the probe owns is denied (EPERM)" has "$T/default.out" "tiocsti own pty: denied (EPERM)"
	check "TIOCSTI with high bits in the request is denied too" \
		has "$T/default.out" "tiocsti own pty high bits: denied (EPERM)"
	check "TIOCLINUX is denied by the filter (EPERM, not the tty's ENOTTY)" \
		has "$T/default.out" "tioclinux: denied (EPERM)"
	check "other ioctls (TCGETS) still work" has "$T/default.out" "tcgets (allowed): ok"
done
finish
