#!/bin/sh
# Drive the real volt binary: policy validate/show/default, sandbox run
# with real denials, and learn mode: a policy learned from a program,
# then applied to it, lets the same run succeed and denies the rest.
# Usage: test-cli.sh PATH-TO-VOLT
set -u
VOLT=$1
T=$(mktemp -d /tmp/volt-sec-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
# volt exits (rather than execs) in some cases below while under a seccomp
# filter that forbids ptrace, which LeakSanitizer needs.
export ASAN_OPTIONS=detect_leaks=0
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }

# expect_fail DESC NEEDLE CMD...: exit 1 (or, for expect_denied, any
# failure of the sandboxed command) and NEEDLE in stderr
expect_fail() {
	desc=$1 needle=$2; shift 2
	"$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$needle" "$T/stderr"; then ok "$desc"; else
		not_ok "$desc (rc $rc)"; cat "$T/stderr"; fi
}
expect_denied() {
	desc=$1 needle=$2; shift 2
	"$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 126 ] && [ $rc -ne 127 ] && grep -qF -- "$needle" "$T/stderr"; then ok "$desc"; else
		not_ok "$desc (rc $rc)"; cat "$T/stderr"; fi
}

# --- policy default / validate / show
"$VOLT" policy default >"$T/default.json"
check "default policy is printed" test -s "$T/default.json"
check "default policy validates" "$VOLT" policy validate "$T/default.json"
echo '{"fs_read": ["/usr"], "fs_raed": []}' >"$T/bad1.json"
expect_fail "unknown key is named" "unknown key 'fs_raed'" "$VOLT" policy validate "$T/bad1.json"
echo '{"fs_write": ["tmp"]}' >"$T/bad2.json"
expect_fail "relative path is named" "fs_write[0]: path 'tmp' must be absolute" "$VOLT" policy validate "$T/bad2.json"
echo '{"net_bind": [80, 70000]}' >"$T/bad3.json"
expect_fail "port out of range is named" "net_bind[1]: port 70000 out of range" "$VOLT" policy validate "$T/bad3.json"
echo '{"net_connect": "5432"}' >"$T/bad4.json"
expect_fail "wrong type is named" "'net_connect' must be an array" "$VOLT" policy validate "$T/bad4.json"
echo '{"fs_read": [' >"$T/bad5.json"
expect_fail "broken JSON has a position" "bad5.json" "$VOLT" policy validate "$T/bad5.json"
expect_fail "missing file" "No such file" "$VOLT" policy validate "$T/missing.json"
"$VOLT" policy validate >/dev/null 2>&1
check "validate without FILE is a usage error" test $? -eq 2
"$VOLT" --json policy show "$T/default.json" >"$T/show.json"
check "show --json reports the Landlock ABI" grep -q '"landlock_abi"' "$T/show.json"
check "show --json lists what is not enforceable" grep -q '"not_enforceable"' "$T/show.json"
"$VOLT" policy show >"$T/show.txt"
check "show (human) names the kernel" grep -q "This kernel: Landlock ABI" "$T/show.txt"

# --- sandbox run: real denials through the CLI
mkdir -p "$T/in" "$T/out" "$T/secret"
echo data >"$T/in/data"
echo secret >"$T/secret/data"
# Run as root, the sandbox is root of a user namespace and uid 65534
# outside: the files must be open to it, so that what denies is Landlock.
chmod 755 "$T" "$T/in" "$T/secret"
chmod 777 "$T/out"
chmod 644 "$T/in/data" "$T/secret/data"
cat >"$T/p.json" <<EOF2
{"fs_read": ["/usr", "/etc", "/proc", "/dev/null", "$T/in", "$T/out"],
 "fs_write": ["$T/out", "/dev/null"], "fs_execute": ["/usr"], "net_bind": [], "net_connect": []}
EOF2
check "allowed read works" "$VOLT" sandbox run --strict --policy "$T/p.json" -- cat "$T/in/data"
expect_denied "read outside fs_read is denied" "Permission denied" \
	"$VOLT" sandbox run --policy "$T/p.json" -- cat "$T/secret/data"
expect_denied "write outside fs_write is denied" "Permission denied" \
	"$VOLT" sandbox run --policy "$T/p.json" -- sh -c "echo x > $T/in/new"
# fs_deny withholds a file inside a granted tree, and a grant inside a withheld tree.
echo other >"$T/in/other"
chmod 644 "$T/in/other"
cat >"$T/deny.json" <<EOF2
{"fs_read": ["/usr", "/etc", "/proc", "/dev/null", "$T/in", "$T/secret/data"],
 "fs_write": ["/dev/null"], "fs_execute": ["/usr"], "fs_deny": ["$T/in/d*a", "$T/secret"]}
EOF2
expect_denied "fs_deny withholds a file of a granted directory" "Permission denied" \
	"$VOLT" sandbox run --policy "$T/deny.json" -- cat "$T/in/data"
check "the rest of that directory stays readable" "$VOLT" sandbox run --policy "$T/deny.json" -- cat "$T/in/other"
check "its names stay listable" sh -c "'$VOLT' sandbox run --policy '$T/deny.json' -- ls '$T/in' | grep -q data"
expect_denied "a grant inside a withheld tree is skipped" "Permission denied" \
	"$VOLT" sandbox run --policy "$T/deny.json" -- cat "$T/secret/data"
"$VOLT" sandbox run --policy "$T/p.json" -- /nonexistent/program 2>/dev/null
check "a missing command exits 127" test $? -eq 127
"$VOLT" sandbox run --policy "$T/p.json" -- "$T/in/data" 2>/dev/null
check "a command outside fs_execute exits 126" test $? -eq 126
"$VOLT" sandbox run -- sh -c 'grep -q "^CapEff:.0000000000000000" /proc/self/status'
check "no capabilities under the default policy" test $? -eq 0

# --- learn mode
prog="cat $T/in/data > $T/out/copy; (ls $T/in > $T/out/list); echo done"
"$VOLT" policy learn -o "$T/learned.json" -- sh -c "$prog" >"$T/learn.out" 2>"$T/learn.err"
check "learn succeeds" test $? -eq 0
check "learn wrote a valid policy" "$VOLT" policy validate "$T/learned.json"
check "learned fs_read has the input dir" grep -q "\"$T/in\"" "$T/learned.json"
check "learned fs_write has the output dir" grep -q "\"$T/out\"" "$T/learned.json"
check "learned seccomp denies what the run did not make" grep -q '"deny"' "$T/learned.json"
"$VOLT" policy learn -o "$T/learned.json" -- true 2>/dev/null
check "learn does not replace a file without --force" test $? -eq 1
rm -f "$T/out/copy" "$T/out/list"
"$VOLT" sandbox run --strict --policy "$T/learned.json" -- sh -c "$prog" >"$T/run.out"
check "the learned policy lets the same run succeed" test $? -eq 0
check "the same run produced its output" cmp -s "$T/in/data" "$T/out/copy"
check "the subshell's work (a forked child) was learned" grep -q data "$T/out/list"
expect_denied "the learned policy denies reading elsewhere" "Permission denied" \
	"$VOLT" sandbox run --policy "$T/learned.json" -- sh -c "cat $T/secret/data"

# A script: its interpreter and the script itself need execute access.
mkdir -p "$T/bin"
chmod 755 "$T/bin"
printf '#!/bin/sh\ncat %s/in/data\n' "$T" >"$T/bin/show"
chmod 755 "$T/bin/show"
"$VOLT" policy learn -o "$T/script.json" -- "$T/bin/show" >/dev/null 2>&1
check "the script is learned for execute" grep -q "\"$T/bin/show\"" "$T/script.json"
"$VOLT" sandbox run --strict --policy "$T/script.json" -- "$T/bin/show" >"$T/script.out"
check "a learned script runs under its policy" grep -q data "$T/script.out"

# The observed program cannot outlive the observer: kill volt, and the
# kernel kills the program (PTRACE_O_EXITKILL).
"$VOLT" policy learn -o "$T/killed.json" -- sh -c "echo \$\$ > $T/pid; exec sleep 60" 2>/dev/null &
tracer=$!
i=0
while [ ! -s "$T/pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
traced=$(cat "$T/pid" 2>/dev/null)
kill -KILL $tracer
wait $tracer 2>/dev/null
i=0
while [ -n "$traced" ] && kill -0 "$traced" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "the observed program dies with the observer" test -n "$traced" -a ! -d "/proc/$traced"

echo "1..$n"
if [ $fails -ne 0 ]; then
	echo "$fails of $n checks failed"
	exit 1
fi
