#!/bin/sh
# Runs where /dev/kvm works (inside the level-1 guest of harness/run-nested.sh,
# or directly): boots Debian's kernel under voltvm with a tiny initramfs
# whose init prints markers and resets, once per case, and prints for each
# case its console, prefixed "[case] ", and "VOLT-CASE <case> rc=<exit code>".
# The outer test (test-kvm-boot.sh) judges the output.
# Environment: VOLTVM (binary), KERNEL (bzImage), VMLINUX (ELF with PVH note, optional).
set -u
work=$(mktemp -d /tmp/volt-l2.XXXXXX)
mkdir -p "$work/root/bin" "$work/root/proc"
cp /bin/busybox "$work/root/bin/busybox"
for app in sh mount cat echo grep reboot; do ln -s busybox "$work/root/bin/$app"; done
cat > "$work/root/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
echo "VOLT-GUEST-MARKER init is running"
echo "VOLT-GUEST-CMDLINE $(cat /proc/cmdline)"
echo "VOLT-GUEST-CPUS $(grep -c ^processor /proc/cpuinfo)"
reboot -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.cpio.gz"

cmdline="console=ttyS0 reboot=k panic=-1 volt.token=stardust-42"
quiet="$cmdline quiet"

run_case() {
	name=$1
	shift
	timeout "${VOLT_CASE_TIMEOUT:-120}" "$VOLTVM" --initrd "$work/initrd.cpio.gz" --memory 256M \
		--timing "$@" > "$work/$name.out" 2>&1
	rc=$?
	sed "s/^/[$name] /" "$work/$name.out" | tr -d '\r'
	echo "VOLT-CASE $name rc=$rc"
}

run_case bzimage --kernel "$KERNEL" --cmdline "$cmdline"
run_case bzimage-smp --kernel "$KERNEL" --cmdline "$quiet" --cpus 2
if [ -n "${VMLINUX:-}" ] && [ -r "$VMLINUX" ]; then
	run_case pvh --kernel "$VMLINUX" --cmdline "$quiet"
else
	echo "VOLT-CASE pvh skipped: no vmlinux"
fi
rm -rf "$work"
exit 0
