#!/bin/sh
# Inside a host with a working /dev/kvm: boot the same kernel and initramfs
# with voltvm and with QEMU's microvm machine, RUNS times each, one after
# the other. Environment: VOLTVM, KERNEL, RUNS, HERE (this directory).
set -u
work=$(mktemp -d /tmp/volt-bench.XXXXXX)
mkdir -p "$work/root/bin"
cp /bin/busybox "$work/root/bin/busybox"
ln -s busybox "$work/root/bin/sh"
ln -s busybox "$work/root/bin/reboot"
printf '#!/bin/sh\n/bin/reboot -f\n' > "$work/root/init"
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd"
args="console=ttyS0 quiet panic=-1"
echo "BENCH-START"
# Peak RSS is per child; run each peer in its own measure.py so the maxima do not mix.
python3 "$HERE/measure.py" voltvm "$RUNS" "$VOLTVM" --kernel "$KERNEL" --initrd "$work/initrd" \
	--memory 256M --cmdline "$args reboot=k" --timing
python3 "$HERE/measure.py" qemu-microvm "$RUNS" qemu-system-x86_64 -M microvm -enable-kvm -cpu host \
	-m 256M -smp 1 -nodefaults -no-user-config -nographic -no-reboot -serial stdio \
	-kernel "$KERNEL" -initrd "$work/initrd" -append "$args reboot=t"
echo "BENCH-END"
rm -rf "$work"
