#!/bin/sh
# The frontends' contract: --help and --version succeed, unknown commands
# and options exit 2 with a hint, failures exit 1 with a message, and
# --json output is valid JSON.
# usage: cli-basics.sh VOLT VOLTVM STELLARIUM
set -u
volt=$1 voltvm=$2 stellarium=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect EXIT-CODE PATTERN-IN-OUTPUT COMMAND...
expect() {
	want=$1 pattern=$2
	shift 2
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ] || ! grep -q -- "$pattern" "$tmp/out"; then
		echo "FAIL: $* exited $got (want $want), output:"; sed 's/^/  | /' "$tmp/out"
		failures=$((failures + 1))
	fi
}

for tool in "$volt" "$voltvm" "$stellarium"; do
	expect 0 "Usage:" "$tool" --help
	expect 0 "0.4.0" "$tool" --version
	expect 2 "unknown option '--frobnicate'" "$tool" --frobnicate
	expect 0 "Exit status" "$tool" -h
done
expect 2 "Usage:" "$volt"
expect 2 "unknown command 'frobnicate'" "$volt" frobnicate
expect 2 "unknown command 'frobnicate'" "$stellarium" frobnicate
expect 2 "needs an argument" "$volt" --root
expect 2 "unknown log level 'loud'" "$volt" --log-level loud version
expect 1 "must be an absolute path" "$volt" --root relative/dir info
expect 1 "from VOLT_ROOT" env VOLT_ROOT=relative "$volt" info
expect 0 "Usage: volt info" "$volt" info --help
expect 2 "unexpected argument 'extra'" "$volt" info extra
expect 0 "libvolt-vm " "$volt" version
expect 0 "State root:  $tmp/r (not created yet)" "$volt" --root "$tmp/r" info
expect 2 "unexpected argument 'x'" "$voltvm" x
for verb in create start stop rm run list inspect logs; do
	expect 0 "Usage: volt vm $verb" "$volt" vm "$verb" --help
done
expect 2 "unknown vm command 'frobnicate'" "$volt" vm frobnicate

# --json, before or after the verb, is valid JSON with the same facts.
for args in "--json info" "info --json"; do
	# shellcheck disable=SC2086
	VOLT_ROOT=$tmp/s "$volt" $args >"$tmp/json" 2>&1
	if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["root"]["path"]==sys.argv[2], d' "$tmp/json" "$tmp/s"; then
		echo "FAIL: volt $args did not print the expected JSON:"; cat "$tmp/json"
		failures=$((failures + 1))
	fi
done
"$volt" version --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert set(d["libraries"])=={"libvolt-core","libvolt-cas","libvolt-img","libvolt-sec","libvolt-ctr","libvolt-vm"}' ||
	{ echo "FAIL: volt version --json"; failures=$((failures + 1)); }

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
