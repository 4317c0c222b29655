#!/bin/sh
# Both guest kernels side by side: the minimal one of
# scripts/build-guest-kernel (the fast path) and the distribution's own
# /boot/vmlinuz (zero set-up: modules from Volt's guest initramfs,
# devices from the DSDT). For each, RUNS boots of one VM with a root disk
# and a NIC, measuring
#   - wall time from voltvm's start to the guest init's first line and to
#     the workload's first line (the root is mounted, the command runs);
#   - voltvm's own figures (--timing): process RSS, VMM overhead beyond
#     guest RAM, main() to first KVM_RUN;
#   - instructions of the VMM's set-up before KVM (voltvm --dry-run under
#     callgrind, on this host), when valgrind is installed.
# Without a usable /dev/kvm the boots run in the nested harness
# (tests/vmm/harness/run-nested.sh): two levels of emulation, so the
# seconds mean nothing and only the ratio between the kernels hints.
#
# usage: bench/vmm/kernel-boot.sh BUILD_DIR [RUNS]
set -u
build=$(readlink -f "$1")
runs=${2:-3}
here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "$here/../..")
voltvm=$build/tools/voltvm
initrd=$build/images/guest-init/volt-guest-initrd.img
[ -x "$voltvm" ] && [ -r "$initrd" ] || { echo "kernel-boot: build $build first (voltvm, guest initrd)"; exit 1; }
distro=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$distro" ] || { echo "kernel-boot: no /boot/vmlinuz-*-amd64 (package linux-image-amd64)"; exit 1; }
kdir=${VOLT_GUEST_KERNEL_DIR:-$("$src/scripts/build-guest-kernel" --cached-only 2>/dev/null)}
[ -n "$kdir" ] && [ -r "$kdir/bzImage" ] || { echo "kernel-boot: no minimal kernel (scripts/build-guest-kernel)"; exit 1; }
minimal=$kdir/bzImage

work=$(mktemp -d /tmp/volt-kernel-boot.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
cp /bin/busybox "$work/rootfs/bin/busybox"
for app in sh echo reboot; do ln -s busybox "$work/rootfs/bin/$app"; done
mkfs.ext4 -q -F -d "$work/rootfs" "$work/root.ext4" 16M
cmd=$(printf '/bin/echo\0VOLT-BENCH-WORKLOAD\0' | base64 -w0)

echo "== set-up instructions before KVM (callgrind, voltvm --dry-run, this host)"
if command -v valgrind >/dev/null; then
	for k in minimal distro; do
		eval kernel=\$$k
		valgrind --tool=callgrind --callgrind-out-file="$work/cg.$k" "$voltvm" --dry-run --kernel "$kernel" \
			--initrd "$initrd" --disk "path=$work/root.ext4" --memory 256M > /dev/null 2> "$work/cg.$k.err"
		echo "$k ($(basename "$kernel"), $(stat -c %s "$kernel") bytes): $(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$work/cg.$k.err") instructions"
	done
else
	echo "(valgrind not installed)"
fi

cat > "$work/cases.sh" <<CASES
modprobe tun 2>/dev/null
ip tuntap add dev vtap0 mode tap && ip addr add 10.0.2.1/24 dev vtap0 && ip link set vtap0 up
cp '$work/root.ext4' /run/root.ext4
for k in minimal distro; do
	[ \$k = minimal ] && kernel='$minimal' || kernel='$distro'
	python3 '$here/kernel-boot-run.py' \$k $runs '$voltvm' --kernel "\$kernel" --initrd '$initrd' --memory 256M --timing \
		--disk path=/run/root.ext4 --net tap=vtap0 \
		--cmdline "console=ttyS0 reboot=k panic=-1 quiet ip=10.0.2.15::10.0.2.1:255.255.255.0::eth0:off volt.root=/dev/vda volt.cmd=$cmd"
done
CASES
echo "== boots ($runs each; VMM figures from voltvm --timing)"
if [ -c /dev/kvm ] && [ "${VOLT_TEST_KVM:-nested}" = direct ]; then
	sh "$work/cases.sh" 2>&1 | grep '^BENCH'
else
	sh "$src/tests/vmm/harness/run-nested.sh" "$work/cases.sh" 1200 2>&1 | tr -d '\r' | grep '^BENCH'
	echo "(nested harness: QEMU TCG level 1, KVM level 2; seconds mean nothing, compare the two kernels)"
fi
