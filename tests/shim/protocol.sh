#!/bin/bash
# containerd-shim-volt-v2 without containerd: `start` as containerd runs
# it (twice: the second finds the first shim), the ttrpc protocol by hand,
# well formed and hostile (ttrpc-client.py), Shutdown, and `delete`.
#
# usage: protocol.sh SHIM TESTS_DIR
#        protocol.sh --skip REASON
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ "${1:-}" = --skip ]; then
	echo "SKIP: $2"
	exit 77
fi
shim=$(realpath -m "$1") here=$(realpath "$2")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (the shim's socket directory /run/volt-shim)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
T=$(mktemp -d /var/tmp/volt-shim-proto-XXXXXX)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/bundle"
id=proto-$$
args=(-namespace volt-test -address "$T/no-containerd.sock" -publish-binary /bin/true -id "$id")

cd "$T/bundle" || exit 1
# The shim's log (containerd's is a FIFO of this name): a sanitizer's report lands here too.
: > log
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
a1=$(timeout 10 "$shim" "${args[@]}" start </dev/null 2>"$T/start.err")
rc=$?
[ $rc = 0 ] && [[ $a1 == unix:///run/volt-shim/*.sock ]] && pass "start prints the socket's address: $a1" ||
	{ fail "start exited $rc, printed '$a1': $(cat "$T/start.err")"; echo "$failures failure(s)"; exit 1; }
sock=${a1#unix://}
pid=$(pgrep -f "^$shim ${args[*]} start" | head -1)
[ -n "$pid" ] && pass "the shim serves (pid $pid)" || fail "no shim process"
a2=$(timeout 10 "$shim" "${args[@]}" start </dev/null 2>&1)
[ "$a2" = "$a1" ] && pass "a second start finds the same shim" || fail "second start printed '$a2'"
n=$(pgrep -fc "^$shim ${args[*]} start")
[ "$n" = 1 ] && pass "one shim for the id" || fail "$n shims for the id"

timeout 60 python3 "$here/ttrpc-client.py" "$sock" "$pid" || failures=$((failures + 1))
pid=
if grep -qE "Sanitizer|runtime error" log; then fail "the shim's log: $(grep -E -m3 "Sanitizer|runtime error" log)"; else pass "nothing in the shim's log from a sanitizer"; fi

# delete: a DeleteResponse (field 2, exit_status, is 137) on stdout, exit 0.
out=$(timeout 10 "$shim" "${args[@]}" -bundle "$T/bundle" delete 2>"$T/delete.err" | od -An -tx1 | tr -d ' \n')
rc=${PIPESTATUS[0]}
[[ $out == *108901* ]] && pass "delete prints a DeleteResponse with exit status 137" ||
	fail "delete printed '$out': $(cat "$T/delete.err")"

# Usage errors: a message and status 2, never a hang.
timeout 10 "$shim" start </dev/null >/dev/null 2>"$T/usage.err"
rc=$?
[ $rc = 2 ] && grep -q "needs -namespace and -id" "$T/usage.err" && pass "start without -id: status 2 and why" ||
	fail "start without -id: status $rc: $(cat "$T/usage.err")"
timeout 10 "$shim" -frob x start </dev/null >/dev/null 2>"$T/usage.err"
[ $? = 2 ] && grep -q "unknown option '-frob'" "$T/usage.err" && pass "an unknown option is named" ||
	fail "unknown option: $(cat "$T/usage.err")"
echo "$failures failure(s)"
[ $failures = 0 ]
