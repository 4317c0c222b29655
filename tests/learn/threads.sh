#!/bin/sh
# Learn a threaded C program (pthread_create/join), run it under the learned
# policy: it must work (0.2 never recorded exit, so a joined thread spun
# forever), and be refused /etc/shadow, a sibling directory, another port, unshare.
# Usage: threads.sh VOLT LEARN-PROBE [MODE]   (MODE: threads or fork)
VOLT=$1 PROBE=$2 MODE=${3:-threads}
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (sandbox run's user namespace, ptrace of any program)"
make_tree
port=$(free_port) other=$(free_port 1)
pol=$T/$MODE.json

run_bounded 120 "$VOLT" policy learn -o "$pol" -- "$PROBE" "$MODE" "$T" "$port" >"$T/learn.out" 2>"$T/learn.err"
check "learning '$MODE' succeeds" test $? -eq 0
check "the observed run worked" grep -q "socket work: ok" "$T/learn.out"
check_policy_shape "$pol"
rm -f "$T"/out/*

run_bounded 60 "$VOLT" sandbox run --strict --policy "$pol" -- "$PROBE" "$MODE" "$T" "$port" >"$T/run.out" 2>"$T/run.err"
rc=$?
check "'$MODE' works again under its learned policy (rc $rc)" test $rc -eq 0
grep -q "socket work: ok" "$T/run.out" && ok "its threads/children finished and its port worked" ||
	{ not_ok "its threads/children finished and its port worked"; cat "$T/run.out" "$T/run.err"; }
if [ "$MODE" = fork ]; then
	check "the children created their files again" test -s "$T/out/child-2"
fi

expect_refused "/etc/shadow is refused" "$VOLT" sandbox run --policy "$pol" -- "$PROBE" read /etc/shadow
expect_refused "the sibling directory is refused" "$VOLT" sandbox run --policy "$pol" -- "$PROBE" read "$T/secret/key"
expect_refused "another port is refused" "$VOLT" sandbox run --policy "$pol" -- "$PROBE" bind "$other"
expect_refused "unshare is refused" "$VOLT" sandbox run --policy "$pol" -- "$PROBE" unshare
# The controls: the same probes, unsandboxed, are allowed (so the refusals above come from the policy).
check "control: the sibling is readable outside the sandbox" "$PROBE" read "$T/secret/key" >/dev/null
check "control: unshare(0) works outside the sandbox" "$PROBE" unshare >/dev/null
finish
