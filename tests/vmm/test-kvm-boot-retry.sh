#!/bin/sh
# The one retry in kvm-boot-cases.sh, without KVM: a fake voltvm plays
# each outcome, and only the exact early-shutdown signature (exit 3,
# "triple fault ... on vCPU 0 at rip 0xfff0", no guest output) may be
# retried, once, with the failed attempt's console kept.
#
# Usage: test-kvm-boot-retry.sh SOURCE_DIR BUILD_DIR
set -u
src=$(readlink -f "$1")
build=$(readlink -f "$2")

skip() { echo "SKIP: $*"; exit 77; }
command -v cpio >/dev/null || skip "cpio not installed"
[ -x /bin/busybox ] || skip "static busybox not installed (package busybox-static)"

work=$build/kvm-boot-retry-test
rm -rf "$work"
mkdir -p "$work"
fake=$work/fake-voltvm
cat > "$fake" <<'FAKE'
#!/bin/sh
# FAKE_MODE: what the first run prints; later runs boot "fine".
n=$(cat "$FAKE_DIR/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo $n > "$FAKE_DIR/count"
shutdown() { echo "voltvm: error: guest triple fault (KVM_EXIT_SHUTDOWN) on vCPU 0 at rip $1"; exit 3; }
if [ $n -eq 1 ] || [ "$FAKE_MODE" = always ]; then
	case $FAKE_MODE in
	flake|always) echo "voltvm: vmm: sandbox on: Seccomp: 2"; shutdown 0xfff0 ;;
	output) echo "[    0.000000] Linux version 6.1"; shutdown 0xfff0 ;;
	rip) shutdown 0xffffffff81000000 ;;
	esac
fi
echo "VOLT-GUEST-MARKER init is running"
exit 0
FAKE
chmod +x "$fake"

failed=0
# run MODE: kvm-boot-cases.sh with the fake, console in $work/MODE.console.
run() {
	mkdir -p "$work/$1"
	env -i PATH="$PATH" TMPDIR="$work/$1" VOLTVM="$fake" KERNEL=/nonexistent FAKE_MODE="$1" \
		FAKE_DIR="$work/$1" VOLT_CASE_TIMEOUT=5 sh "$src/tests/vmm/kvm-boot-cases.sh" \
		> "$work/$1.console" 2>&1
}
expect() {
	# expect MODE DESCRIPTION CONDITION...
	mode=$1 what=$2
	shift 2
	if "$@"; then
		echo "PASS: $mode: $what"
	else
		echo "FAIL: $mode: $what"
		sed "s/^/  | /" "$work/$mode.console"
		failed=1
	fi
}
has() { grep -q "$2" "$work/$1.console"; }
count() { [ "$(grep -c "$2" "$work/$1.console")" -eq "$3" ]; }

run flake
expect flake "early shutdown retried once, then the case passes" count flake "^VOLT-CASE-RETRY bzimage:" 1
expect flake "the retry's exit code is reported" has flake "^VOLT-CASE bzimage rc=0$"
expect flake "the failed attempt's console is kept" has flake "^\[bzimage.attempt1\] voltvm: error: guest triple fault"
run always
expect always "a second early shutdown is not retried again" count always "^VOLT-CASE-RETRY bzimage:" 1
expect always "and fails the case" has always "^VOLT-CASE bzimage rc=3$"
run output
expect output "a shutdown after guest output is not retried" count output "^VOLT-CASE-RETRY" 0
expect output "and fails the case" has output "^VOLT-CASE bzimage rc=3$"
run rip
expect rip "a shutdown at another rip is not retried" count rip "^VOLT-CASE-RETRY" 0
expect rip "and fails the case" has rip "^VOLT-CASE bzimage rc=3$"
[ $failed -eq 0 ] && rm -rf "$work"
exit $failed
