#!/bin/sh
# Learn curl fetching a local http server and a file:// URL, run it again
# under the learned policy, and check it is refused what it did not use:
# /etc/shadow (0.2 granted all of /etc), a sibling directory, another
# port, and that unshare is off its syscall list (curl has no way to call
# it: checked in the policy). 0.2 also granted all of $HOME for a failed
# probe of ~/.curlrc.
# Usage: curl.sh VOLT
VOLT=$1
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (sandbox run's user namespace, ptrace of any program)"
command -v curl >/dev/null || skip "curl is not installed (the integrator should add 'curl' to scripts/install-deps)"
command -v python3 >/dev/null || skip "python3 is not installed (it serves the pages curl fetches)"
make_tree
port=$(free_port) other=$(free_port 1)
pol=$T/curl.json

# Two servers of the same tree: the one curl learns with, and another port.
(cd "$T/www" && exec python3 -m http.server --bind 127.0.0.1 "$port") >/dev/null 2>&1 </dev/null &
s1=$!
(cd "$T/www" && exec python3 -m http.server --bind 127.0.0.1 "$other") >/dev/null 2>&1 </dev/null &
s2=$!
cleanup_hooks="kill $s1 $s2 2>/dev/null;"
i=0
until curl -sf "http://127.0.0.1:$port/index.html" >/dev/null && curl -sf "http://127.0.0.1:$other/index.html" >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
done
check "control: both servers answer" curl -sf "http://127.0.0.1:$other/index.html" -o /dev/null

run_bounded 120 "$VOLT" policy learn -o "$pol" -- curl -sf "http://127.0.0.1:$port/index.html" "file://$T/www/data" \
	>"$T/learn.out" 2>"$T/learn.err"
check "learning curl succeeds" test $? -eq 0
check_policy_shape "$pol"
if grep -q '"/root\|'"$HOME"'"' "$pol"; then not_ok "no grant in \$HOME (curl only probed ~/.curlrc)"; grep -n "$HOME" "$pol"
else ok "no grant in \$HOME (curl only probed ~/.curlrc)"; fi
run_bounded 120 "$VOLT" policy learn --explain -o "$T/explained.json" -- curl -sf "http://127.0.0.1:$port/index.html" \
	>"$T/explain.out" 2>"$T/explain.err"
check "--explain prints the rule for the file curl read" grep -q "^fs_read $T/www/data\|^fs_read .*ld.so.cache" "$T/explain.out"
if grep -q "\.curlrc" "$T/explain.out"; then
	grep -q "^not granted.*\.curlrc" "$T/explain.out" && ok "--explain reports the ~/.curlrc probe as not granted" ||
		not_ok "--explain reports the ~/.curlrc probe as not granted"
fi

run_bounded 60 "$VOLT" sandbox run --strict --policy "$pol" -- curl -sf "http://127.0.0.1:$port/index.html" "file://$T/www/data" >"$T/run.out" 2>"$T/run.err"
rc=$?
check "curl works again under its learned policy (rc $rc)" test $rc -eq 0
check "it fetched the page" grep -q "hello from www" "$T/run.out"

# curl's exit codes: 37 file not readable, 7 could not connect.
refused() {
	desc=$1 want=$2; shift 2
	run_bounded 60 "$VOLT" sandbox run --policy "$pol" -- curl -sS "$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	if [ $rc -eq "$want" ] && ! grep -q "^volt: " "$T/stderr"; then ok "$desc"; else not_ok "$desc (rc $rc)"; cat "$T/stdout" "$T/stderr"; fi
}
refused "file:///etc/shadow is refused" 37 file:///etc/shadow
refused "the sibling directory is refused" 37 "file://$T/secret/key"
refused "another port is refused" 7 "http://127.0.0.1:$other/index.html"
check "control: curl reads the sibling outside the sandbox" curl -sf "file://$T/secret/key" -o /dev/null
finish
