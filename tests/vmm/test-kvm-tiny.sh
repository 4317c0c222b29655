#!/bin/sh
# voltvm's own exits on this host's /dev/kvm, with two tiny PVH guests
# (harness/make-tiny-guest.py), no Linux: UART output then i8042 reset must
# exit 0, a triple fault must exit 3 with a message. A few guest
# instructions each, so even a slow (emulated) /dev/kvm runs it quickly.
# SKIP where /dev/kvm is missing or unusable; the nested kvm-boot test
# covers those hosts.
# Usage: test-kvm-tiny.sh VOLTVM SOURCE_DIR
set -u
voltvm=$1
here=$2/tests/vmm
[ -c /dev/kvm ] || { echo "SKIP: no /dev/kvm on this host (the kvm-boot test runs KVM nested)"; exit 77; }
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: /dev/kvm is not accessible to $(id -un)"; exit 77; }
# voltvm sandboxes itself (seccomp denies ptrace): LeakSanitizer cannot
# run at its exit, so sanitizer builds check leaks only with --no-sandbox.
asan_base=${ASAN_OPTIONS:-}
export ASAN_OPTIONS="${asan_base:+$asan_base:}detect_leaks=0"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/harness/make-tiny-guest.py" reset "$work/reset"
python3 "$here/harness/make-tiny-guest.py" triple-fault "$work/triple-fault"
failed=0

VOLT_LOG_LEVEL=info timeout 60 "$voltvm" --kernel "$work/reset" --memory 16M > "$work/out" 2>&1 < /dev/null
rc=$?
if grep -q "open /dev/kvm\|KVM API version\|KVM lacks" "$work/out"; then
	echo "SKIP: /dev/kvm unusable: $(cat "$work/out")"
	exit 77
fi
if [ $rc -eq 0 ] && grep -q "^VOLT-TINY-HELLO" "$work/out"; then
	echo "PASS: UART output, then i8042 reset: exit 0"
else
	echo "FAIL: reset guest: exit $rc, output:"; cat "$work/out"; failed=1
fi
# The kernel's own view, read by voltvm from /proc/self/status once sandboxed.
if grep -q "sandbox on: Seccomp: 2, NoNewPrivs: 1, CapEff: 0000000000000000" "$work/out" &&
	! grep -q "Operation not permitted" "$work/out"; then
	echo "PASS: sandboxed before the first KVM_RUN: seccomp filter, no_new_privs, no capabilities"
else
	echo "FAIL: sandbox not reported as applied, output:"; cat "$work/out"; failed=1
fi

ASAN_OPTIONS=$asan_base VOLT_LOG_LEVEL=info timeout 60 "$voltvm" --kernel "$work/reset" --memory 16M --no-sandbox \
	> "$work/out" 2>&1 < /dev/null
rc=$?
if [ $rc -eq 0 ] && grep -q "^VOLT-TINY-HELLO" "$work/out" && ! grep -q "sandbox on" "$work/out"; then
	echo "PASS: --no-sandbox: exit 0, no sandbox"
else
	echo "FAIL: --no-sandbox: exit $rc, output:"; cat "$work/out"; failed=1
fi

timeout 60 "$voltvm" --kernel "$work/triple-fault" --memory 16M > "$work/out" 2>&1 < /dev/null
rc=$?
if [ $rc -eq 3 ] && grep -q "triple fault (KVM_EXIT_SHUTDOWN) on vCPU 0 at rip 0x100000" "$work/out"; then
	echo "PASS: triple fault: exit 3 with a message"
else
	echo "FAIL: triple-fault guest: exit $rc, output:"; cat "$work/out"; failed=1
fi

timeout 60 "$voltvm" --kernel "$work/reset" --memory 16M --cpus 4 --console "file:$work/console" > "$work/out" 2>&1 < /dev/null
rc=$?
if [ $rc -eq 0 ] && grep -q "^VOLT-TINY-HELLO" "$work/console"; then
	echo "PASS: 4 vCPUs, console to a file: exit 0"
else
	echo "FAIL: 4 vCPUs / file console: exit $rc, output:"; cat "$work/out"; failed=1
fi
exit $failed
