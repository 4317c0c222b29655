#!/bin/sh
# Boots Debian's kernel under voltvm on real KVM, through both boot
# protocols, and checks that init ran, read back its command line, saw
# its vCPUs, and that the reset ended voltvm with exit code 0.
#
# Where to find KVM: VOLT_TEST_KVM=direct uses this host's /dev/kvm;
# otherwise (the default) the cases run in a QEMU TCG level-1 guest that
# offers KVM through emulated SVM (harness/run-nested.sh), booted once.
# The default is nested because a /dev/kvm that exists may still be too
# slow to boot Linux in CI time (measured on the build machine: an
# emulated /dev/kvm at about 1 M guest instructions per second).
#
# Usage: test-kvm-boot.sh VOLTVM SOURCE_DIR BUILD_DIR
set -u
voltvm=$(readlink -f "$1")
src=$(readlink -f "$2")
build=$(readlink -f "$3")
here=$src/tests/vmm

skip() { echo "SKIP: $*"; exit 77; }

kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || skip "no Debian kernel in /boot (package linux-image-amd64)"
command -v cpio >/dev/null || skip "cpio not installed"
[ -x /bin/busybox ] || skip "static busybox not installed (package busybox-static)"

# The level-1 guest sees the host's files read-only, with a tmpfs on /run.
work=$build/kvm-boot-test
rm -rf "$work"
mkdir -p "$work"
vmlinux=$work/vmlinux
python3 "$here/harness/extract-vmlinux.py" "$kernel" "$vmlinux" || vmlinux=""

mkdir -p "$work/tiny"
python3 "$here/harness/make-tiny-guest.py" reset "$work/tiny/reset"
python3 "$here/harness/make-tiny-guest.py" triple-fault "$work/tiny/triple-fault"

cat > "$work/cases.sh" <<CASES
export VOLTVM='$voltvm' KERNEL='$kernel' VMLINUX='$vmlinux' VOLT_CASE_TIMEOUT=150
export TINY_DIR='$work/tiny'
# LeakSanitizer needs ptrace, which the level-1 chroot may not allow.
# (Nor can it run under voltvm's seccomp filter, which denies ptrace.)
export ASAN_OPTIONS=detect_leaks=0
# The sandbox reports what the kernel enforces at info level.
export VOLT_LOG_LEVEL=info
sh '$here/kvm-boot-cases.sh'
CASES

if [ "${VOLT_TEST_KVM:-nested}" = direct ]; then
	[ -c /dev/kvm ] || skip "VOLT_TEST_KVM=direct but there is no /dev/kvm"
	sh "$work/cases.sh" > "$work/console" 2>&1
	rc=$?
else
	# Nested TCG under a loaded host has been seen to stall the level-1
	# kernel's timers (soft lockups, no progress): a level-1 timeout is
	# retried once, and said so. A VMM bug fails both attempts.
	for attempt in 1 2; do
		sh "$here/harness/run-nested.sh" "$work/cases.sh" 420 > "$work/console" 2>&1
		rc=$?
		grep -q "level-1 guest timed out" "$work/console" || break
		[ $attempt -eq 1 ] && cp "$work/console" "$work/console.attempt1" &&
			echo "note: the level-1 guest timed out (attempt 1); retrying once; its last lines:" &&
			tail -n 40 "$work/console.attempt1" | sed 's/^/attempt1| /'
	done
fi
cat "$work/console"
# Say so when a case needed its one retry (kvm-boot-cases.sh: early_shutdown).
grep "^VOLT-CASE-RETRY " "$work/console" | sed 's/^VOLT-CASE-RETRY /note: retried /'
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: the KVM harness exited with $rc"; exit 1; }

failed=0
check() {
	# check CASE DESCRIPTION PATTERN: PATTERN must appear in CASE's console.
	if grep -q "^\[$1\] .*$3" "$work/console"; then
		echo "PASS: $1: $2"
	else
		echo "FAIL: $1: $2 (no '$3' on its console)"
		failed=1
	fi
}
check_case() {
	name=$1
	if grep -q "^VOLT-CASE $name rc=0\$" "$work/console"; then
		echo "PASS: $name: voltvm exited 0 after the guest ended"
	else
		echo "FAIL: $name: $(grep "^VOLT-CASE $name " "$work/console" || echo 'did not run')"
		failed=1
	fi
	check "$name" "init ran" "VOLT-GUEST-MARKER init is running"
	check "$name" "guest read its command line back" "VOLT-GUEST-CMDLINE .*volt.token=stardust-42"
	check "$name" "sandboxed: seccomp filter, no_new_privs, no capabilities" \
		"sandbox on: Seccomp: 2, NoNewPrivs: 1, CapEff: 0000000000000000"
	if grep -q "^\[$name\] .*Operation not permitted" "$work/console"; then
		echo "FAIL: $name: something was denied by the sandbox"
		failed=1
	fi
}

check_case bzimage
check "bzimage" "one vCPU" "VOLT-GUEST-CPUS 1"
check "bzimage" "console input reached the guest" "VOLT-GUEST-READ \\[typed-by-the-host 42\\]"
check_case bzimage-smp
check "bzimage-smp" "two vCPUs came up" "VOLT-GUEST-CPUS 2"
check "bzimage-smp" "poweroff -f ended the VM through ACPI" "voltvm: end: the guest powered off"
check "bzimage" "reboot -f ended the VM through the i8042" "voltvm: end: the guest reset itself"
if [ -n "$vmlinux" ]; then
	check_case pvh
	check "pvh" "one vCPU" "VOLT-GUEST-CPUS 1"
	check "pvh" "poweroff -f ended the VM through ACPI (RSDP from start_info)" "voltvm: end: the guest powered off"
else
	echo "FAIL: no vmlinux for the PVH case"
	failed=1
fi
if grep -q "^VOLT-CASE tiny-reset rc=0\$" "$work/console" &&
	grep -q "^\[tiny-reset\] VOLT-TINY-HELLO" "$work/console"; then
	echo "PASS: tiny-reset: UART output, then i8042 reset: exit 0"
else
	echo "FAIL: tiny-reset: $(grep "^VOLT-CASE tiny-reset " "$work/console" || echo 'did not run')"
	failed=1
fi
if grep -q "^VOLT-CASE tiny-triple-fault rc=3\$" "$work/console" &&
	grep -q "^\[tiny-triple-fault\] .*triple fault (KVM_EXIT_SHUTDOWN)" "$work/console"; then
	echo "PASS: tiny-triple-fault: exit 3 with a message"
else
	echo "FAIL: tiny-triple-fault: $(grep "^VOLT-CASE tiny-triple-fault " "$work/console" || echo 'did not run')"
	failed=1
fi
[ $failed -eq 0 ] && rm -rf "$work"
exit $failed
