#!/bin/sh
# The guest side of a Volt VM, booted for real: Volt's guest kernel, its
# guest init, and a root disk volt built from a Stellarium image, with
# the kernel command line volt wrote for the VM. The VMM here is QEMU
# (-M microvm, TCG: no KVM needed, its own virtio-mmio disk), so this
# test holds without /dev/kvm and without voltvm's devices; the same VM
# under voltvm is nested-run.sh.
#   1. the guest mounts the disk and prints a file the test put in the
#      image; the workload's user, directory, environment and exit
#      status arrive (VOLT-GUEST-EXIT 7), and the VM ends by itself;
#   2. a VM without its disk ends with a clear error, not a hang;
#   3. a bad command line ends with a clear error.
# usage: guest-boot.sh VOLT STELLARIUM INITRD SRCDIR
set -u
volt=$(realpath "$1") stellarium=$(realpath "$2") initrd=$(realpath "$3") src=$(realpath "$4")
top=$src/../..
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (image checkouts keep their owners)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 is not installed"; exit 77; }
kdir=${VOLT_GUEST_KERNEL_DIR:-$("$top/scripts/build-guest-kernel" --cached-only 2>/dev/null)}
[ -n "$kdir" ] && [ -f "$kdir/vmlinux" ] ||
	{ echo "SKIP: no guest kernel (scripts/build-guest-kernel builds it; VOLT_GUEST_KERNEL_DIR names it)"; exit 77; }
PATH=$PATH:/sbin:/usr/sbin

tmp=$(mktemp -d /tmp/volt-vm-boot-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_ROOT="$tmp/root" VOLT_GUEST_KERNEL="$kdir/vmlinux"
# shellcheck source=../ctr/checks.sh
. "$src/../ctr/checks.sh"

sh "$top/images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
echo "the file the test put in the image ($$)" >"$tmp/image/etc/volt-marker"
expect 0 "" "$stellarium" import --tag marked "$tmp/image"
expect 0 "" "$volt" vm create b1 --image marked -u user -w /tmp -e GREETING=hi -- \
	/bin/sh -c 'cat /etc/volt-marker; echo "user $(id -u) in $(pwd) says $GREETING"; mount | grep " / "; exit 7'
"$volt" vm inspect b1 >"$tmp/b1.json" || fail "inspect"
cmdline=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["cmdline"])' "$tmp/b1.json")
ref=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["disk_ref"])' "$tmp/b1.json")
expect 0 "" "$stellarium" checkout "$ref" "$tmp/disk"

boot() { # boot CONSOLE CMDLINE [QEMU ARGS...]
	console=$1 line=$2
	shift 2
	timeout 240 qemu-system-x86_64 -M microvm,acpi=off -m 128 -nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$kdir/vmlinux" -initrd "$initrd" -append "$line" "$@" >"$console" 2>&1
	echo "  qemu exited $? after the guest's reset"
}

echo "== 1. a VM from a Stellarium image runs its command"
boot "$tmp/console1" "$cmdline" -drive "file=$tmp/disk,if=none,id=d0,format=raw" -device virtio-blk-device,drive=d0
sed 's/^/  | /' "$tmp/console1"
for want in "the file the test put in the image ($$)" "user 1000 in /tmp says hi" "/dev/vda on / type ext4" \
	"VOLT-GUEST-EXIT 7"; do
	grep -qF "$want" "$tmp/console1" || fail "the console lacks '$want'"
done
grep -q "reboot: Restarting system" "$tmp/console1" || fail "the guest did not end the VM by a reset"

echo "== 2. no root disk: a clear error, and the VM ends"
boot "$tmp/console2" "$cmdline"
sed 's/^/  | /' "$tmp/console2" | tail -3
grep -q "VOLT-GUEST-ERROR: no root disk: /dev/vda does not exist" "$tmp/console2" || fail "no error for a missing disk"
grep -q "VOLT-GUEST-EXIT 125" "$tmp/console2" || fail "no exit line after the error"

echo "== 3. a bad command line: a clear error, and the VM ends"
boot "$tmp/console3" "console=ttyS0 reboot=k panic=-1 no_timer_check quiet volt.root=/dev/vda volt.cmd=!!notbase64"
sed 's/^/  | /' "$tmp/console3" | tail -3
grep -q "VOLT-GUEST-ERROR: bad command line: volt.cmd: not valid base64" "$tmp/console3" || fail "no error for a bad command line"
grep -q "VOLT-GUEST-EXIT 125" "$tmp/console3" || fail "no exit line after the error"
finish
