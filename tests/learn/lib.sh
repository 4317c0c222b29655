# Shared by the learn tests: TAP-style checks, a scratch directory open to
# uid 65534 (as root, `volt sandbox run` runs the command as root of a user
# namespace, uid 65534 outside), free ports, and checks of a learned policy.
# Each test sources it after setting VOLT.
set -u
# An empty environment (CI's) has no HOME: the checks below need the
# account's home, as a learned run would see it.
[ -n "${HOME:-}" ] || HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
export HOME
# System directories only: a PATH entry under $HOME (pyenv shims) is not
# reachable for uid 65534 under the sandbox.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
case $VOLT in /*) ;; */*) VOLT=$PWD/$VOLT ;; esac
T=$(mktemp -d /tmp/volt-learn-XXXXXX)
chmod 755 "$T"
cleanup_hooks=""
trap 'eval "$cleanup_hooks"; rm -rf "$T"' EXIT
# A traced program cannot be ptraced again by LeakSanitizer at exit.
export ASAN_OPTIONS=detect_leaks=0
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }
skip() { echo "SKIP: $1"; exit 77; }
finish() {
	echo "1..$n"
	echo "$((n - fails)) passed, $fails failed"
	[ $fails -eq 0 ]
}

# A TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + $$ % 20000 + ${1:-0}))
}

# A scratch tree: www/ (the workload's data), secret/ (its sibling, never used), out/.
make_tree() {
	mkdir -p "$T/www" "$T/secret" "$T/out"
	echo "hello from www" >"$T/www/index.html"
	head -c 3000 /dev/urandom | od -An -tx1 >"$T/www/data"
	echo "sibling secret" >"$T/secret/key"
	chmod 755 "$T/www" "$T/secret"
	chmod 777 "$T/out"
	chmod 644 "$T/www/index.html" "$T/www/data" "$T/secret/key"
}

# run_bounded SECONDS CMD...: a hang (a learned policy without exit) is a failure, not a stuck test.
run_bounded() {
	secs=$1; shift
	timeout -k 5 "$secs" "$@" </dev/null
	rc=$?
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "TIMEOUT: '$*' still running after ${secs}s (hung)" >&2
	return $rc
}

# What no learned policy may contain, whatever the workload.
check_policy_shape() {
	pol=$1
	check "the policy was written" test -s "$pol"
	check "$VOLT policy validate accepts it" "$VOLT" policy validate "$pol"
	if grep -q '"clone3"' "$pol"; then not_ok "clone3 is never granted"; grep -n clone3 "$pol"; else ok "clone3 is never granted"; fi
	if grep -qE '"/etc"|"/"|"'"$HOME"'"' "$pol"; then not_ok "neither /, /etc nor \$HOME is granted whole"
		grep -nE '"/etc"|"/"|"'"$HOME"'"' "$pol"; else ok "neither /, /etc nor \$HOME is granted whole"; fi
	if python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); sys.exit(0 if "unshare" in p["seccomp"].get("deny", []) and "exit" not in p["seccomp"].get("deny", []) else 1)' "$pol" 2>/dev/null; then
		ok "the seccomp list denies unshare and keeps exit"; else not_ok "the seccomp list denies unshare and keeps exit"
		grep -n '"profile"' "$pol"; fi
}

# expect_refused DESC CMD...: the sandboxed command itself ran (volt could
# set up the sandbox and execute it: not 1, 126, 127) and was refused
# ("Permission denied", "not permitted").
expect_refused() {
	desc=$1; shift
	run_bounded 60 "$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 126 ] && [ $rc -ne 127 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ] &&
		! grep -q "^volt: " "$T/stderr" && grep -qiE "permission denied|not permitted|PermissionError" "$T/stdout" "$T/stderr"; then
		ok "$desc"; else not_ok "$desc (rc $rc)"; cat "$T/stdout" "$T/stderr"; fi
}
