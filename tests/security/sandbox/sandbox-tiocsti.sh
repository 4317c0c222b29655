#!/bin/sh
# Escape 3: `volt sandbox run` handed the caller's terminal to the
# command, which typed commands into the operator's shell with
# ioctl(TIOCSTI) (bubblewrap's CVE-2017-5226), user namespace or not.
# Now the command runs in a session of its own, with a pty of its own
# when stdin is a terminal. Driven through a real pty (pty-run.py): the
# pty is volt's controlling terminal, as an operator's shell's would be,
# and what the probe injects would sit in its input queue afterwards.
# The seccomp profile is off here: this is the session wall alone (the
# filter's TIOCSTI guard is sandbox-seccomp-tty.sh).
# usage: sandbox-tiocsti.sh VOLT PROBE
VOLT=$(realpath "$1") PROBE=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
need_python
H="$(dirname "$0")/pty-run.py"
[ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 0 ] &&
	{ echo "SKIP: dev.tty.legacy_tiocsti=0: this kernel refuses TIOCSTI to everyone"; exit 77; }

echo '{"seccomp": {"profile": "none"}}' >"$T/no-filter.json"
default_policy_with_probe "$T/default.json"

# attempt NAME PTY-RUN-OPTIONS... -- COMMAND...
attempt() {
	name=$1; shift
	python3 "$H" "$@" >"$T/$name.out" 2>&1
	rdev=$(sed -n 's/^caller-rdev: //p' "$T/$name.out")
	echo "  $name:"; show "$T/$name.out"
	check "$name: the probe ran" has "$T/$name.out" "tiocsti"
	check "$name: nothing was typed into the caller's terminal" has "$T/$name.out" "caller-input: b''"
	check "$name: TIOCSTI on the caller's terminal ($rdev) failed" lacks "$T/$name.out" "rdev $rdev: ok"
	check "$name: the sandbox exited 0" has "$T/$name.out" "exit: 0"
}

attempt "stdin-tty" -- "$VOLT" sandbox run -p "$T/no-filter.json" -- "$PROBE" tiocsti "echo INJECTED"
attempt "stdin-null" --stdin-null -- "$VOLT" sandbox run -p "$T/no-filter.json" -- "$PROBE" tiocsti "echo INJECTED"
attempt "default-policy" -- "$VOLT" sandbox run -p "$T/default.json" -- "$PROBE" tiocsti "echo INJECTED"

# The sandbox keeps a usable terminal, and volt passes on how it ended.
python3 "$H" --input 'echo hello-$((6*7))\nexit 3\n' -- "$VOLT" sandbox run -- /bin/sh -i >"$T/shell.out" 2>&1
echo "  interactive shell:"; show "$T/shell.out"
check "an interactive shell in the sandbox runs what is typed" grep -q "hello-42" "$T/shell.out"
check "its exit status is volt's" has "$T/shell.out" "exit: 3"
python3 "$H" -- "$VOLT" sandbox run -- /bin/sh -c 'test -t 0 && test -t 1 && echo on-a-terminal' >"$T/t.out" 2>&1
check "the command's stdin and stdout are a terminal" has "$T/t.out" "on-a-terminal"
"$VOLT" sandbox run -- /bin/sh -c 'exit 7' </dev/null
check "exit status 7 is passed on" test $? -eq 7
"$VOLT" sandbox run -- /bin/sh -c 'kill -TERM $$' </dev/null
check "death by SIGTERM is passed on" test $? -eq 143
finish
