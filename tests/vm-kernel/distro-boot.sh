#!/bin/sh
# The distribution's own kernel as a Volt guest, with no kernel build:
# Debian's /boot/vmlinuz (virtio_mmio a module, no command-line devices)
# boots under voltvm with Volt's guest initramfs, which loads the virtio
# and ext4 modules it carries; the kernel finds the virtio-mmio devices in
# the DSDT; the guest init mounts its root from the virtio-blk disk,
# configures eth0 from ip= (the kernel has no IP_PNP), and the workload
# sees /dev/vda as ext4 and pings the host end of the TAP over virtio-net.
# A second VM with --cpu-features=x86-64-v2,-sse4_2 must not see XSAVE,
# AVX, AES, MOVBE, BMI1, F16C or SSE4.2 in its /proc/cpuinfo, but SSE4.1
# and SMEP (each checked where the unmasked VM has it).
#
# KVM from the nested harness (tests/vmm/harness/run-nested.sh) unless
# VOLT_TEST_KVM=direct. SKIP without a Debian kernel (package
# linux-image-amd64), QEMU, static busybox or e2fsprogs.
# usage: distro-boot.sh VOLTVM INITRD SOURCE_DIR BUILD_DIR
set -u
voltvm=$(readlink -f "$1")
initrd=$(readlink -f "$2")
src=$(readlink -f "$3")
build=$(readlink -f "$4")
[ -x "$voltvm" ] || { echo "FAIL: no voltvm at $1"; exit 1; }
[ -r "$initrd" ] || { echo "FAIL: no initrd at $2"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || skip "no distribution kernel /boot/vmlinuz-*-amd64 (package linux-image-amd64)"
[ -r "$kernel" ] || skip "$kernel is not readable"
[ -x /bin/busybox ] && ! file /bin/busybox | grep -q dynamically ||
	skip "static busybox not installed (package busybox-static)"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 not installed (package e2fsprogs)"

work=$build/vm-kernel-distro-test
rm -rf "$work"
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for app in $(/bin/busybox --list); do
	[ "$app" = busybox ] || ln -s busybox "$work/rootfs/bin/$app"
done
cat > "$work/rootfs/bin/volt-check" <<'CHECK'
#!/bin/sh
echo "VOLT-DISTRO-KERNEL $(uname -r)"
echo "VOLT-DISTRO-ROOT $(grep ' / ' /proc/mounts | head -1)"
echo "VOLT-DISTRO-BLOCK $(ls /sys/block | tr '\n' ' ')"
echo "VOLT-DISTRO-NET $(ls /sys/class/net | tr '\n' ' ')"
echo "VOLT-DISTRO-ADDR $(ip -4 -o addr show dev eth0 2>&1)"
if ping -c 1 -W 10 10.0.2.1 >/dev/null 2>&1; then echo "VOLT-DISTRO-PING ok"; else echo "VOLT-DISTRO-PING failed"; fi
echo "VOLT-DISTRO-MODULES $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
echo "VOLT-DISTRO-FLAGS $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
CHECK
chmod 755 "$work/rootfs/bin/volt-check"
mkfs.ext4 -q -F -d "$work/rootfs" "$work/root.ext4" 24M || { echo "FAIL: mkfs.ext4 -d"; exit 1; }
cmd=$(printf '/bin/volt-check\0' | base64 -w0)

cat > "$work/cases.sh" <<CASES
set -u
modprobe tun 2>/dev/null
net="" ipcfg=""
if ip tuntap add dev vtap0 mode tap && ip addr add 10.0.2.1/24 dev vtap0 && ip link set vtap0 up; then
	net="--net tap=vtap0,mac=52:54:00:12:34:56"
	ipcfg="ip=10.0.2.15::10.0.2.1:255.255.255.0::eth0:off"
else
	echo "VOLT-NET-SETUP failed"
fi
cp '$work/root.ext4' /run/root.ext4
ASAN_OPTIONS=detect_leaks=0 timeout 240 '$voltvm' --kernel '$kernel' --initrd '$initrd' --memory 256M --timing \
	--disk path=/run/root.ext4 \$net \
	--cmdline "console=ttyS0 reboot=k panic=-1 quiet \$ipcfg volt.root=/dev/vda volt.cmd=$cmd" < /dev/null 2>&1
echo "VOLT-CASE distro rc=\$?"
ip link del vtap0 2>/dev/null
cp '$work/root.ext4' /run/root.ext4
ASAN_OPTIONS=detect_leaks=0 timeout 240 '$voltvm' --kernel '$kernel' --initrd '$initrd' --memory 256M \
	--cpu-features=x86-64-v2,-sse4_2 --disk path=/run/root.ext4 \
	--cmdline "console=ttyS0 reboot=k panic=-1 quiet volt.root=/dev/vda volt.cmd=$cmd" < /dev/null > /run/masked.out 2>&1
echo "VOLT-CASE masked rc=\$?"
sed 's/^/[masked] /' /run/masked.out
CASES

if [ "${VOLT_TEST_KVM:-nested}" = direct ]; then
	[ -c /dev/kvm ] || skip "VOLT_TEST_KVM=direct but there is no /dev/kvm"
	sh "$work/cases.sh" > "$work/console" 2>&1
	rc=$?
else
	sh "$src/tests/vmm/harness/run-nested.sh" "$work/cases.sh" 420 > "$work/console" 2>&1
	rc=$?
fi
tr -d '\r' < "$work/console" > "$work/console.txt"
cat "$work/console.txt"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: the KVM harness exited with $rc"; exit 1; }

failed=0
want() {
	if grep -q "$2" "$work/console.txt"; then echo "PASS: $1"; else echo "FAIL: $1 (no '$2')"; failed=1; fi
}
want "voltvm exited 0 after the guest reset" "^VOLT-CASE distro rc=0$"
want "the guest init ran the workload, which exited 0" "^VOLT-GUEST-EXIT 0"
want "the distribution kernel ran: $(basename "$kernel")" "^VOLT-DISTRO-KERNEL ${kernel#/boot/vmlinuz-}"
want "the guest init loaded the modules it carries" "volt-guest-init: [1-9][0-9]* kernel modules loaded"
want "root on the virtio-blk disk, ext4" "^VOLT-DISTRO-ROOT /dev/vda / ext4 rw"
want "virtio-blk disk visible" "^VOLT-DISTRO-BLOCK .*vda"
want "virtio-net NIC visible" "^VOLT-DISTRO-NET .*eth0"
want "eth0 configured from ip= by the guest init" "^VOLT-DISTRO-ADDR .*inet 10.0.2.15/24"
want "the guest reaches the host over virtio-net" "^VOLT-DISTRO-PING ok"
want "the masked VM ran" "^VOLT-CASE masked rc=0$"
want "--cpu-features: SSE4.1 stays" "^\[masked\] VOLT-DISTRO-FLAGS .* sse4_1 "
want "--cpu-features: a system feature (SMEP) stays" "^\[masked\] VOLT-DISTRO-FLAGS .* smep "
for f in xsave avx avx2 sse4_2 aes movbe bmi1 f16c; do
	if grep -q "^\[masked\] VOLT-DISTRO-FLAGS .* $f " "$work/console.txt"; then
		echo "FAIL: --cpu-features=x86-64-v2,-sse4_2: the guest still has $f"; failed=1
	elif grep -q "^VOLT-DISTRO-FLAGS .* $f " "$work/console.txt"; then
		echo "PASS: --cpu-features=x86-64-v2,-sse4_2: $f hidden (the unmasked VM has it)"
	else
		echo "note: $f: not in the unmasked VM's flags either (level 1 does not offer it, or it printed none)"
	fi
done
grep -q "^\[masked\] VOLT-DISTRO-FLAGS" "$work/console.txt" || { echo "FAIL: the masked VM printed no flags"; failed=1; }
[ $failed -eq 0 ] && rm -rf "$work"
exit $failed
