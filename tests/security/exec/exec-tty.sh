#!/bin/sh
# Escape 2: `volt exec` handed the caller's terminal to the command, which
# could push keystrokes into the operator's shell with TIOCSTI. Driven
# through a real pty (pty-run.py): the command must get a pty of its own
# in a new session when the caller has a terminal, and no controlling
# terminal when it does not; nothing it injects may reach the caller's
# terminal. (The seccomp profile may deny TIOCSTI as well: the checks on
# the descriptors and sessions below hold without that.)
# usage: exec-tty.sh VOLT LAUNCHER PROBE SRCDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
drive() { python3 "$src/pty-run.py" "$@"; }

start_fg tty1 || { finish; exit 1; }

echo "== the caller's stdin and stdout are a terminal"
drive tty "$volt" exec tty1 -- "$probe_in" tty >"$tmp/tty" 2>&1
sed 's/^/  | /' "$tmp/tty"
outer=$(sed -n 's/^outer-rdev: //p' "$tmp/tty")
grep -q "^exit: 0" "$tmp/tty" || fail "volt exec under a pty did not exit 0"
grep -q "^pending-input: b''" "$tmp/tty" || fail "the command injected input into the caller's terminal"
for fd in fd0 fd1 fd2 /dev/tty; do
	line=$(grep "^out: $fd: " "$tmp/tty")
	[ -n "$line" ] || { fail "the probe reported nothing for $fd"; continue; }
	case $line in
	*"rdev=$outer "*) fail "the command's $fd is the caller's terminal ($outer)" ;;
	esac
done
grep -q "^out: fd0: .*ctty=yes" "$tmp/tty" || fail "the command's terminal is not its controlling terminal"
grep -q "^termios-restored: yes" "$tmp/tty" || fail "the caller's terminal modes were not restored"

echo "== exit status and output through the pty"
drive tty "$volt" exec tty1 -- /bin/sh -c 'echo through the pty; exit 5' >"$tmp/tty" 2>&1
grep -q "^exit: 5" "$tmp/tty" || fail "the exit status does not pass through the pty: $(grep exit: "$tmp/tty")"
grep -q "^out: through the pty" "$tmp/tty" || fail "output does not pass through the pty"
drive tty "$volt" exec tty1 -- /bin/sh -c 'stty size' >"$tmp/tty" 2>&1
grep -q "^out: 37 101" "$tmp/tty" || fail "the caller's window size (37 101) is not the command's pty's: $(grep out: "$tmp/tty")"

drive resize "$volt" exec tty1 -- /bin/sh -c 'echo ready; read line; stty size' >"$tmp/tty" 2>&1
grep -q "^out: 40 120" "$tmp/tty" || fail "a new window size (40 120) does not reach the command's pty: $(grep out: "$tmp/tty" | tr '\n' ' ')"

echo "== the caller's stdin is not a terminal, its stdout is"
drive notty "$volt" exec tty1 -- "$probe_in" tty >"$tmp/tty" 2>&1
sed 's/^/  | /' "$tmp/tty"
grep -q "^pending-input: b''" "$tmp/tty" || fail "the command injected input into the caller's terminal"
grep -q "^out: fd1: .*ctty=no" "$tmp/tty" || fail "the caller's terminal is the command's controlling terminal"
grep -q "^out: /dev/tty: open ENXIO" "$tmp/tty" || fail "the command has a controlling terminal (/dev/tty opens)"

echo "== volt run under a terminal (nspawn's own pty, or its new session)"
for mode in tty notty; do
	drive $mode "$volt" run --rm --rootfs "$tmp/image" -v "$probe:$probe_in:ro" -- "$probe_in" tty >"$tmp/tty" 2>&1
	grep -q "^pending-input: b''" "$tmp/tty" || fail "volt run ($mode) let the workload inject input into the caller's terminal"
	grep -q "^out: fd1: " "$tmp/tty" || fail "volt run ($mode): the probe reported nothing"
done
finish
