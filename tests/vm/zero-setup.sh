#!/bin/sh
# A VM with no kernel build and no kernel named: with no minimal guest
# kernel installed, `volt vm create` picks the distribution's
# /boot/vmlinuz-RELEASE whose modules Volt's initrd carries (the release
# in the initrd's gzip header), `volt vm inspect` says so, and `volt vm
# run` of the built-in busybox image reaches the workload. Without that
# kernel in /boot the create says which release is needed and how to
# rebuild the initrd, and creates nothing.
#
# README's VM command (the one line of README.md that starts with `volt
# run --vm`) runs word for word in the same level-1 boot, with the build's
# volt first on PATH: it must print its line on the distribution kernel
# and leave no VM behind (--rm).
#
# KVM from the nested harness (tests/vmm/harness/run-nested.sh) unless
# VOLT_TEST_KVM=direct. SKIP without root, QEMU or a matching /boot kernel.
# usage: zero-setup.sh VOLT VOLTVM INITRD IMAGES_DIR SRCDIR BUILD_DIR
set -u
volt=$(realpath "$1") voltvm=$(realpath "$2") initrd=$(realpath "$3")
images=$(realpath "$4") src=$(realpath "$5") build=$(realpath "$6")
top=$src/../..
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (image checkouts keep their owners)"
release=$(python3 -c 'import sys
h = open(sys.argv[1], "rb").read(128)
n = h[10:h.index(b"\0", 10)].decode() if h[3] & 8 else ""
print(n[len("volt-modules="):] if n.startswith("volt-modules=") else "")' "$initrd")
[ -n "$release" ] || skip "the guest initrd carries no kernel modules (built where /boot had no kernel)"
[ -r "/boot/vmlinuz-$release" ] || skip "/boot/vmlinuz-$release (the initrd's kernel) is not installed"

readme=$(grep -c '^volt run --vm ' "$top/README.md")
[ "$readme" = 1 ] || { echo "FAIL: README.md has $readme lines starting with 'volt run --vm ' (want its one VM command)"; exit 1; }

work=$build/vm-zero-setup-test
rm -rf "$work"
mkdir -p "$work/emptyboot"
grep '^volt run --vm ' "$top/README.md" >"$work/readme-cmd"
export VOLT_ROOT=$work/root VOLT_VOLTVM=$voltvm VOLT_GUEST_INITRD=$initrd VOLT_IMAGES_DIR=$images
export VOLT_MINIMAL_KERNEL=$work/no-minimal-kernel ASAN_OPTIONS=detect_leaks=0
unset VOLT_GUEST_KERNEL
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The kernel is gone (an upgrade removed it): a clear error, no VM.
out=$(VOLT_BOOT_DIR=$work/emptyboot "$volt" vm create gone --image busybox -- /bin/true 2>&1)
rc=$?
echo "without the kernel: rc=$rc: $out"
[ $rc -ne 0 ] || fail "create without the initrd's kernel succeeded"
case $out in *"carries the modules of kernel $release"*"mkinitrd.py --modules"*) ;;
*) fail "the error does not name release $release and the rebuild" ;; esac
[ ! -e "$VOLT_ROOT/vms/gone" ] || fail "a failed create left ROOT/vms/gone"

cat >"$work/inner.sh" <<INNER
set -u
export VOLT_ROOT=\${TMPDIR:-/tmp}/volt-vm-root VOLT_GUEST_INITRD='$initrd' VOLT_VOLTVM='$voltvm'
export VOLT_IMAGES_DIR='$images' VOLT_MINIMAL_KERNEL=/nonexistent/minimal-vmlinux ASAN_OPTIONS=detect_leaks=0
export PATH=\$PATH:/sbin:/usr/sbin
unset VOLT_GUEST_KERNEL
rm -rf "\$VOLT_ROOT"
'$volt' vm create z --image busybox -- /bin/sh -c 'echo "ZERO-SETUP-WORKLOAD \$(uname -r) \$((6 * 7))"; exit 4' ||
	echo "STEP-FAIL create"
'$volt' vm inspect z | grep '"kernel'
timeout 400 '$volt' vm run z; echo "RUN-EXIT \$?"
'$volt' vm rm z >/dev/null || echo "STEP-FAIL rm z"
echo "README-CMD: \$(cat '$work/readme-cmd')"
PATH='$(dirname "$volt")':\$PATH timeout 400 sh '$work/readme-cmd'; echo "README-EXIT \$?"
echo "README-LEFT [\$(ls -A "\$VOLT_ROOT/vms" 2>&1)]"
INNER

if [ "${VOLT_TEST_KVM:-nested}" = direct ]; then
	[ -c /dev/kvm ] || skip "VOLT_TEST_KVM=direct but there is no /dev/kvm"
	TMPDIR=$work sh "$work/inner.sh" >"$work/console" 2>&1
	rc=$?
else
	for attempt in 1 2; do
		sh "$top/tests/vmm/harness/run-nested.sh" "$work/inner.sh" 600 >"$work/console" 2>&1
		rc=$?
		grep -q "level-1 guest timed out" "$work/console" || break
		[ $attempt -eq 1 ] && echo "note: the level-1 guest timed out (attempt 1); retrying once"
	done
fi
cat "$work/console"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: the KVM harness exited with $rc"; exit 1; }
want() { grep -q -- "$1" "$work/console" || fail "$2 (no '$1' on the console)"; }
want "\"kernel_source\": \"distribution\"" "inspect says the distribution kernel is used"
want "\"kernel_release\": \"$release\"" "inspect names the release"
want "\"kernel\": \"/boot/vmlinuz-$release\"" "the record holds /boot's kernel"
want "ZERO-SETUP-WORKLOAD $release 42" "the workload runs on the distribution kernel"
want "RUN-EXIT 4" "volt vm run exits with the workload's status"
want "README-EXIT 0" "README's VM command exits 0"
want "README-LEFT \[\]" "README's VM command (--rm) leaves no VM"
grep -q "hello from a VM, kernel $release" "$work/console" ||
	fail "README's VM command did not print its line on the distribution kernel $release"
grep -q "STEP-FAIL" "$work/console" && fail "$(grep STEP-FAIL "$work/console")"
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
