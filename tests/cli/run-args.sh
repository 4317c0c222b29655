#!/bin/sh
# volt run as Docker users type it: the command after the image without
# '--', -i/-t/-it, -e NAME passed through. Real containers (root, nspawn).
# usage: run-args.sh VOLT LAUNCHER SRCDIR
set -u
# shellcheck source=containers.sh
. "$(dirname "$0")/containers.sh"

echo "== the command follows the image, '--' or not"
expect 0 "^hi$" "$volt" run --rm busybox echo hi
# The command's own options are the command's: ls -l, not volt's -l.
expect 0 "^-.* /etc/passwd$" "$volt" run --rm busybox ls -l /etc/passwd
expect 0 "^-d -e --rm$" "$volt" run --rm busybox echo -d -e --rm
expect 0 "^dashdash$" "$volt" run --rm busybox -- echo dashdash
expect 0 "^opt$" "$volt" run --rm --image busybox echo opt
expect 0 "^opt2$" "$volt" run --rm --image busybox -- echo opt2
expect 3 "" "$volt" run --rm busybox sh -c 'exit 3'
expect 2 "give the image" "$volt" run --rm
[ -z "$(ls "$tmp/root/containers" 2>/dev/null)" ] || fail "--rm left containers behind: $(ls "$tmp/root/containers")"

echo "== -i, -t, -it"
# Without -i the workload reads nothing of ours.
echo from-stdin >"$tmp/in"
"$volt" run --rm busybox -- cat <"$tmp/in" >"$tmp/out" 2>&1
[ $? -eq 0 ] && ! grep -q from-stdin "$tmp/out" || fail "without -i the workload read volt's stdin: $(cat "$tmp/out")"
"$volt" run --rm -i busybox cat <"$tmp/in" >"$tmp/out" 2>&1
[ $? -eq 0 ] && grep -q "^from-stdin$" "$tmp/out" || fail "-i: the workload did not read stdin: $(cat "$tmp/out")"
printf 'echo in-$((6*7))\n' | "$volt" run --rm --interactive busybox sh >"$tmp/out" 2>&1
grep -q "^in-42$" "$tmp/out" || fail "--interactive: a shell reading a pipe: $(cat "$tmp/out")"
# -i alone: no terminal, even when there is one.
expect 1 "not a tty" "$volt" run --rm -i busybox tty
# -t: a pseudo-terminal of its own, no input.
expect 0 "^/dev/pts/" "$volt" run --rm -t busybox tty
# (Its input is a terminal that nothing types into: a reader would wait forever, as in Docker.)
# -it needs a terminal on stdin (as Docker: "the input device is not a TTY").
expect 2 "needs a terminal" "$volt" run --rm -it busybox sh </dev/null
expect 2 "foreground" "$volt" run -d -it busybox sh
if command -v script >/dev/null; then
	# script(1) gives volt a terminal: an interactive shell, its own pty, its exit status.
	printf 'tty; echo in-$((6*7)); exit 3\n' | timeout 60 script -qec "'$volt' run --rm -it busybox sh" /dev/null \
		>"$tmp/out" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/out" >"$tmp/out2"
	[ "$rc" -eq 3 ] && grep -q "^in-42$" "$tmp/out2" && grep -q "^/dev/pts/" "$tmp/out2" ||
		{ fail "-it on a terminal exited $rc:"; sed 's/^/  | /' "$tmp/out2"; }
	timeout 60 script -qec "'$volt' run --rm -ti busybox tty" /dev/null </dev/null >"$tmp/out" 2>&1
	grep -q "/dev/pts/" "$tmp/out" || fail "-ti on a terminal: $(cat "$tmp/out")"
	# Neither -i nor -t: no terminal for the workload, even on one.
	timeout 60 script -qec "'$volt' run --rm busybox -- tty" /dev/null </dev/null >"$tmp/out" 2>&1
	grep -q "not a tty" "$tmp/out" || fail "without -t the workload got a terminal: $(cat "$tmp/out")"
else
	echo "(script(1) is missing: -it on a terminal not tried)"
fi

echo "== -e NAME passes the caller's value on"
FROM_HOST='a b=c' expect 0 "^FROM_HOST=a b=c SET=1 UNSET=<none>$" "$volt" run --rm -e FROM_HOST -e SET=1 \
	-e VOLT_TEST_UNSET_VAR busybox -- sh -c 'echo "FROM_HOST=$FROM_HOST SET=$SET UNSET=${VOLT_TEST_UNSET_VAR-<none>}"'

echo "== -u USER: HOME, USER and LOGNAME are the user's (busybox's user 1000 lives in /tmp), -e wins"
expect 0 "^user HOME=/tmp USER=user LOGNAME=user$" "$volt" run --rm -u user busybox -- \
	sh -c 'echo "$(id -un) HOME=$HOME USER=$USER LOGNAME=$LOGNAME"'
expect 0 "^HOME=/data USER=user$" "$volt" run --rm -u user -e HOME=/data busybox -- sh -c 'echo "HOME=$HOME USER=$USER"'
expect 0 "^HOME=/ USER=<none>$" "$volt" run --rm -u 4321 busybox -- sh -c 'echo "HOME=$HOME USER=${USER-<none>}"'
expect 0 "^HOME=/root USER=root$" "$volt" run --rm busybox -- sh -c 'echo "HOME=$HOME USER=$USER"'
finish
