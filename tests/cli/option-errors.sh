#!/bin/sh
# Usage errors name the word the user typed, and suggest the nearest
# command or option; top-level aliases exist. No containers run.
# usage: option-errors.sh VOLT
set -u
volt=$1
tmp=$(mktemp -d /tmp/volt-cli-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_ROOT="$tmp/root"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# usage_error PATTERN ARGS...: exit 2, the message matches PATTERN (a fixed string).
usage_error() {
	pattern=$1
	shift
	"$volt" "$@" >"$tmp/out" 2>&1 </dev/null
	rc=$?
	if [ "$rc" -ne 2 ] || ! grep -qF -- "$pattern" "$tmp/out"; then
		fail "volt $* exited $rc (want 2), output lacks \"$pattern\":"
		sed 's/^/  | /' "$tmp/out"
	fi
}

echo "== the offending option, as typed"
# A bundle: getopt stays on the word, argv[optind - 1] is the verb.
usage_error "run: unknown option '-x'" run -xq busybox sh
usage_error "unknown option '-z'" ps -z
usage_error "run: unknown option '-x'" run --rm -xq busybox
usage_error "run: option '--rm' takes no argument" run --rm=1 busybox
usage_error "stop: option '-t' needs an argument" stop -t
usage_error "rm: unknown option '-t" rm -t 1 x
usage_error "unknown option '--imgae' (did you mean '--image'?)" run --imgae busybox
usage_error "unknown option '--jsno' (did you mean '--json'?)" ps --jsno
usage_error "unknown option '--lins' (did you mean '--lines'?)" logs --lins 3 x
usage_error "unknown option '--verbse' (did you mean '--verbose'?)" --verbse ps
usage_error "option '--image' needs an argument" run --image
usage_error "option '-e' needs an argument" container create c1 -e
usage_error "policy show: unknown option '--jsno' (did you mean '--json'?)" policy show --jsno
usage_error "image pull: option '-u' needs an argument" image pull -u
usage_error "sandbox run: unknown option '--polcy' (did you mean '--policy'?)" sandbox run --polcy x -- true
usage_error "create: unknown option '--memroy' (did you mean '--memory'?)" vm create v1 --memroy 1
usage_error "policy learn: option '-o' needs an argument" policy learn -o

echo "== did you mean, for commands"
usage_error "unknown command 'strat' (did you mean 'start'?)" strat x
usage_error "unknown command 'imgae' (did you mean 'image'?)" imgae ls
usage_error "unknown container command 'lsit' (did you mean 'list'?)" container lsit
usage_error "unknown image command 'pul' (did you mean 'pull'?)" image pul
usage_error "unknown vm command 'strat' (did you mean 'start'?)" vm strat
usage_error "unknown command 'frobnicate'" frobnicate
grep -q "did you mean" "$tmp/out" && fail "a suggestion for a word that is near nothing: $(cat "$tmp/out")"

echo "== top-level aliases of volt container"
for verb in create start restart inspect; do
	"$volt" "$verb" --help >"$tmp/out" 2>&1 || fail "volt $verb --help exited $?: $(head -3 "$tmp/out")"
	grep -q "^Usage: volt container $verb" "$tmp/out" || fail "volt $verb is not volt container $verb: $(head -3 "$tmp/out")"
done
"$volt" --help >"$tmp/out" 2>&1
for verb in create start restart inspect; do
	grep -q "^  $verb " "$tmp/out" || fail "volt --help does not list $verb"
done
"$volt" inspect no-such >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "no-such" "$tmp/out" || fail "volt inspect no-such: $(cat "$tmp/out")"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
