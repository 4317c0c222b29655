#!/bin/sh
# voltvm --timing reports on every exit. When a signal ends it: a guest that never ends
# by itself runs until SIGTERM (and, in a second run, SIGINT); voltvm
# must then print its timing and memory lines and "stopped by signal",
# and still die of that signal (exit status 128+N), as systemd and
# volt vm stop expect. On this host's /dev/kvm when it is usable (a tiny
# guest needs only a few instructions), else in the nested harness.
# And when a device fails to open before the run (--dry-run, no KVM).
# usage: timing-signal.sh VOLTVM SOURCE_DIR
set -u
voltvm=$(readlink -f "$1")
src=$(readlink -f "$2")
here=$src/tests/vm-kernel
[ -x "$voltvm" ] || { echo "FAIL: no voltvm at $1"; exit 1; }
work=$(mktemp -d /tmp/volt-timing.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 "$here/make-spin-guest.py" "$work/spin" || { echo "FAIL: make-spin-guest.py"; exit 1; }

# The cases: each prints "VOLT-SIG <name> rc=<status>" and voltvm's stderr prefixed "[<name>] ".
cat > "$work/cases.sh" <<CASES
run_case() {
	name=\$1 sig=\$2
	ASAN_OPTIONS=detect_leaks=0 '$voltvm' --kernel '$work/spin' --memory 16M --timing --console "file:$work/\$name.console" \
		< /dev/null > '$work/'\$name.err 2>&1 &
	pid=\$!
	# Signal once the guest runs (its line is on the console), or after 60 s regardless.
	n=0
	while ! grep -q VOLT-SPIN-READY '$work/'\$name.console 2>/dev/null && [ \$n -lt 600 ]; do
		sleep 0.1; n=\$((n + 1))
	done
	kill -\$sig \$pid
	# A voltvm that ignores the signal (SIGINT is ignored in a background job
	# of a script unless voltvm catches it) is killed after 30 s: never a hang.
	( sleep 30; kill -KILL \$pid 2>/dev/null ) &
	watchdog=\$!
	wait \$pid
	echo "VOLT-SIG \$name rc=\$?"
	kill \$watchdog 2>/dev/null
	sed "s/^/[\$name] /" '$work/'\$name.err
	sed "s/^/[\$name-console] /" '$work/'\$name.console 2>/dev/null
}
run_case term TERM
run_case int INT
CASES

if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ "${VOLT_TEST_KVM:-}" != nested ]; then
	sh "$work/cases.sh" > "$work/out" 2>&1
	if grep -q "open /dev/kvm\|KVM API version\|KVM lacks" "$work/out"; then
		echo "note: /dev/kvm unusable here, trying the nested harness"
		sh "$src/tests/vmm/harness/run-nested.sh" "$work/cases.sh" 300 > "$work/out" 2>&1
	fi
else
	sh "$src/tests/vmm/harness/run-nested.sh" "$work/cases.sh" 300 > "$work/out" 2>&1
	rc=$?
	[ $rc -eq 77 ] && { grep '^SKIP' "$work/out"; exit 77; }
fi

# A device that cannot be opened ends voltvm before the run: --timing reports that exit too.
"$voltvm" --dry-run --timing --kernel "$work/spin" --memory 16M --disk path=/nonexistent/volt-disk \
	> "$work/fail.out" 2>&1
echo "VOLT-FAIL rc=$?" >> "$work/out"
sed 's/^/[fail] /' "$work/fail.out" >> "$work/out"
tr -d '\r' < "$work/out" > "$work/out.txt"
cat "$work/out.txt"

failed=0
want() {
	if grep -q "$2" "$work/out.txt"; then echo "PASS: $1"; else echo "FAIL: $1 (no '$2')"; failed=1; fi
}
want "the guest ran until the signal" "^\[term-console\] VOLT-SPIN-READY"
want "SIGTERM: voltvm died of SIGTERM (143)" "^VOLT-SIG term rc=143$"
want "SIGTERM: --timing printed the first KVM_RUN" "^\[term\] voltvm: timing: volt_vmm_new() to first KVM_RUN: "
want "SIGTERM: --timing printed the memory" "^\[term\] voltvm: memory: process RSS .*VMM overhead"
want "SIGTERM: the end says which signal" "^\[term\] voltvm: end: stopped by signal 15"
want "SIGINT: voltvm died of SIGINT (130)" "^VOLT-SIG int rc=130$"
want "SIGINT: --timing printed the memory" "^\[int\] voltvm: memory: process RSS"
want "SIGINT: the end says which signal" "^\[int\] voltvm: end: stopped by signal 2"
want "a bad --disk: exit 1" "^VOLT-FAIL rc=1$"
want "a bad --disk: --timing still reports" "^\[fail\] voltvm: memory: process RSS"
exit $failed
