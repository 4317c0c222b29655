#!/bin/sh
# Run SCRIPT inside a QEMU (TCG) level-1 guest that offers a real /dev/kvm.
# Usage: run-nested.sh SCRIPT [TIMEOUT_SECONDS]   (see README.md)
set -u
script=$(readlink -f "$1")
limit=${2:-300}
here=$(dirname "$(readlink -f "$0")")

skip() { echo "SKIP: $*"; exit 77; }

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (package qemu-system-x86)"
[ -x /bin/busybox ] || skip "static busybox not installed (package busybox-static)"
file /bin/busybox 2>/dev/null | grep -q dynamically && skip "/bin/busybox is not static (package busybox-static)"
kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || skip "no Debian kernel in /boot (package linux-image-amd64)"
kver=${kernel#/boot/vmlinuz-}
mods=/lib/modules/$kver
[ -d "$mods" ] || skip "no modules for $kver"
[ -r "$kernel" ] || skip "$kernel is not readable"

work=$(mktemp -d /tmp/volt-l1.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
root=$work/root
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/modules" "$root/host"
cp /bin/busybox "$root/bin/busybox"
for app in sh mount insmod chroot sed cat echo poweroff mkdir ls; do
	ln -s busybox "$root/bin/$app"
done
: > "$root/modules.order"
for m in irqbypass ccp kvm kvm-amd virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
	virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
	f=$(find "$mods/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
	[ -n "$f" ] || skip "module $m not found under $mods"
	case $f in
	*.xz) xz -dc "$f" > "$root/modules/$m.ko" ;;
	*) cp "$f" "$root/modules/$m.ko" ;;
	esac
	echo "$m" >> "$root/modules.order"
done
cp "$here/l1-init" "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/l1.cpio.gz" ||
	skip "cannot build the level-1 initramfs (cpio, gzip)"

# -cpu max under TCG emulates SVM; 2 vCPUs so that level-2 SMP tests have two to use.
timeout "$limit" qemu-system-x86_64 -M q35 -cpu max -smp 2 -m 2048 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$work/l1.cpio.gz" \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	-append "console=ttyS0 quiet panic=-1 volt.script=$script" \
	< /dev/null > "$work/console" 2>&1
qemu_rc=$?
tr -d '\r' < "$work/console"
[ $qemu_rc -eq 124 ] && { echo "run-nested: level-1 guest timed out after ${limit}s"; exit 1; }
if grep -q '^VOLT-L1-SKIP' "$work/console"; then
	skip "$(sed -n 's/^VOLT-L1-SKIP //p' "$work/console" | head -1 | tr -d '\r')"
fi
rc=$(sed -n 's/^VOLT-L1-EXIT \([0-9]*\).*/\1/p' "$work/console" | tail -1)
[ -n "$rc" ] || { echo "run-nested: the level-1 guest never reported an exit status"; exit 1; }
exit "$rc"
