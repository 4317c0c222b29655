#!/bin/sh
# Learn `python3 -m http.server`, stopped the way a person stops a server:
# SIGINT to the foreground process group (Ctrl-C). volt must forward it,
# let the server end, and write the policy (0.2 died with it and wrote
# nothing). Then serve under the learned policy, and be refused
# /etc/shadow, the sibling directory, another port, unshare.
# Usage: http-server.sh VOLT
VOLT=$1
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (sandbox run's user namespace, ptrace of any program)"
command -v python3 >/dev/null || skip "python3 is not installed"
make_tree
port=$(free_port) other=$(free_port 1)
pol=$T/http.json

# get URL: print the body (python's own client, outside any sandbox)
get() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1" 2>/dev/null; }
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		get "$1" >"$T/got" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# As a shell's foreground job, volt leads a process group of its own
# (setsid, which does not fork here); Ctrl-C is SIGINT to that whole group.
# A background job of a script starts with SIGINT ignored: env restores it.
(cd "$T/www" && exec setsid env --default-signal=INT "$VOLT" policy learn -o "$pol" -- python3 -m http.server --bind 127.0.0.1 "$port") \
	>"$T/learn.out" 2>"$T/learn.err" </dev/null &
vpid=$!
cleanup_hooks="kill -KILL -$vpid 2>/dev/null;"
check "the server answers while learned" wait_for "http://127.0.0.1:$port/index.html" $vpid
check "it served the page" grep -q "hello from www" "$T/got"
kill -INT -"$vpid"
i=0
while kill -0 "$vpid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -"$vpid" 2>/dev/null
wait "$vpid"
rc=$?
check "volt survives Ctrl-C and exits 0 (rc $rc)" test $rc -eq 0
grep -q "wrote" "$T/learn.err" && ok "volt wrote the policy after the server ended" ||
	{ not_ok "volt wrote the policy after the server ended"; cat "$T/learn.err"; }
check_policy_shape "$pol"
if grep -q '"'"$T"'"' "$pol"; then not_ok "the scratch tree (www's parent) is not granted"; else ok "the scratch tree (www's parent) is not granted"; fi

(cd "$T/www" && exec setsid env --default-signal=INT "$VOLT" sandbox run --strict --policy "$pol" -- python3 -m http.server --bind 127.0.0.1 "$port") \
	>"$T/run.out" 2>"$T/run.err" </dev/null &
spid=$!
cleanup_hooks="kill -KILL -$spid 2>/dev/null;"
if wait_for "http://127.0.0.1:$port/index.html" $spid && grep -q "hello from www" "$T/got"; then
	ok "the server serves under its learned policy"; else not_ok "the server serves under its learned policy"; cat "$T/run.err"; fi
kill -INT -"$spid"
i=0
while kill -0 "$spid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -"$spid" 2>/dev/null
wait "$spid" 2>/dev/null

# A program that ignores SIGINT: the first Ctrl-C is forwarded (and
# ignored), a second one kills it, and what was learned so far is written.
(exec setsid env --default-signal=INT "$VOLT" policy learn -o "$T/stubborn.json" -- \
	sh -c 'trap "" INT TERM; echo $$ >"$1/pid"; cat "$1/www/index.html" >/dev/null; while :; do sleep 1; done' sh "$T") \
	>/dev/null 2>"$T/stubborn.err" </dev/null &
vpid=$!
cleanup_hooks="kill -KILL -$vpid 2>/dev/null;"
i=0
while [ ! -s "$T/pid" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
traced=$(cat "$T/pid" 2>/dev/null)
# Signals sent back to back may merge into one: keep pressing Ctrl-C until volt is done.
i=0
while kill -0 "$vpid" 2>/dev/null && [ $i -lt 100 ]; do kill -INT -"$vpid" 2>/dev/null; sleep 0.3; i=$((i + 1)); done
kill -KILL -"$vpid" 2>/dev/null
wait "$vpid"
rc=$?
check "a second Ctrl-C ends a program that ignores SIGINT, volt exits 0 (rc $rc)" test $rc -eq 0
check "what was learned so far is written" grep -q "\"$T/www/index.html\"" "$T/stubborn.json"
check "no observed process is left" test -n "$traced" -a ! -d "/proc/$traced"

cd "$T/www"
expect_refused "/etc/shadow is refused" "$VOLT" sandbox run --policy "$pol" -- python3 -c 'open("/etc/shadow").read()'
expect_refused "the sibling directory is refused" "$VOLT" sandbox run --policy "$pol" -- python3 -c 'open("'"$T"'/secret/key").read()'
expect_refused "another port is refused" "$VOLT" sandbox run --policy "$pol" -- python3 -m http.server --bind 127.0.0.1 "$other"
# unshare(0) creates no namespace: only the policy's syscall list can refuse it.
expect_refused "unshare is refused" "$VOLT" sandbox run --policy "$pol" -- python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0) != 0:
    sys.exit("unshare: " + os.strerror(ctypes.get_errno()))
print("unshare: ok")'
check "control: the sibling is readable outside the sandbox" python3 -c 'open("'"$T"'/secret/key").read()'
finish
