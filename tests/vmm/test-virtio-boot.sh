#!/bin/sh
# Stardust's virtio devices on real KVM: the guest kernel of
# scripts/build-guest-kernel boots with its root file system on a
# virtio-blk disk backed by a Stellarium image, twice with one overlay and
# once with another; raw disks read-write and read-only; TCP both ways over
# virtio-net and a TAP. One level-1 boot of harness/run-nested.sh runs all
# the cases (virtio-boot-cases.sh); VOLT_TEST_KVM=direct runs them here.
#
# Usage: test-virtio-boot.sh VOLTVM STELLARIUM SOURCE_DIR BUILD_DIR
set -u
voltvm=$(readlink -f "$1")
stellarium=$(readlink -f "$2")
src=$(readlink -f "$3")
build=$(readlink -f "$4")
here=$src/tests/vmm

skip() { echo "SKIP: $*"; exit 77; }

kdir=${VOLT_GUEST_KERNEL_DIR:-$("$src/scripts/build-guest-kernel" --cached-only 2>/dev/null)}
[ -n "$kdir" ] && [ -r "$kdir/bzImage" ] ||
	skip "no guest kernel (run scripts/build-guest-kernel, or set VOLT_GUEST_KERNEL_DIR)"
[ -x /bin/busybox ] && ! file /bin/busybox | grep -q dynamically ||
	skip "static busybox not installed (package busybox-static)"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 not installed (package e2fsprogs)"
command -v debugfs >/dev/null || skip "debugfs not installed (package e2fsprogs)"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 for the network peer"

work=$build/virtio-boot-test
rm -rf "$work"
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for app in $(/bin/busybox --list); do
	[ "$app" = busybox ] || ln -s busybox "$work/rootfs/bin/$app"
done
cp "$here/virtio-guest-init" "$work/rootfs/init"
chmod 755 "$work/rootfs/init"
echo "hello-from-the-image" > "$work/rootfs/hello.txt"
mkfs.ext4 -q -F -d "$work/rootfs" -L voltroot "$work/rootfs.ext4" 48M ||
	{ echo "FAIL: mkfs.ext4 -d"; exit 1; }
"$stellarium" --root "$work/volt" import --tag guestroot --image "$work/rootfs.ext4" ||
	{ echo "FAIL: stellarium import-image"; exit 1; }
"$stellarium" --root "$work/volt" stats --json > "$work/stats-before.json"
truncate -s 4M "$work/raw-rw.img"
{ printf 'raw-ro-content'; head -c 4194290 /dev/zero; } > "$work/raw-ro.img"

cat > "$work/cases.sh" <<CASES
export VOLTVM='$voltvm' KERNEL='$kdir/bzImage' STORE='$work/volt/cas' IMAGE=guestroot
export RAW_RW='$work/raw-rw.img' RAW_RO='$work/raw-ro.img' HELPER='$here/virtio-net-peer.py'
export VOLT_CASE_TIMEOUT=240 ASAN_OPTIONS=detect_leaks=0 VOLT_LOG_LEVEL=info
sh '$here/virtio-boot-cases.sh'
CASES

if [ "${VOLT_TEST_KVM:-nested}" = direct ]; then
	[ -c /dev/kvm ] || skip "VOLT_TEST_KVM=direct but there is no /dev/kvm"
	sh "$work/cases.sh" > "$work/console" 2>&1
	rc=$?
else
	# A level-1 timeout under a loaded host is retried once (see test-kvm-boot.sh).
	for attempt in 1 2; do
		sh "$here/harness/run-nested.sh" "$work/cases.sh" 900 > "$work/console" 2>&1
		rc=$?
		grep -q "level-1 guest timed out" "$work/console" || break
		[ $attempt -eq 1 ] && echo "note: the level-1 guest timed out (attempt 1); retrying once"
	done
fi
cat "$work/console"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: the KVM harness exited with $rc"; exit 1; }

failed=0
check() {
	# check CASE DESCRIPTION PATTERN: PATTERN in CASE's console.
	if grep -q "^\[$1\] .*$3" "$work/console"; then
		echo "PASS: $1: $2"
	else
		echo "FAIL: $1: $2 (no '$3' on its console)"
		failed=1
	fi
}
check_line() {
	if grep -q "$2" "$work/console"; then echo "PASS: $1"; else echo "FAIL: $1 (no '$2')"; failed=1; fi
}
for name in vm1 vm1-again vm2; do
	if grep -q "^VOLT-CASE $name rc=0\$" "$work/console"; then
		echo "PASS: $name: voltvm exited 0 after the guest reset"
	else
		echo "FAIL: $name: $(grep "^VOLT-CASE $name " "$work/console" || echo 'did not run')"
		failed=1
	fi
	check $name "root from the Stellarium disk, file read" "VOLT-VIRTIO-FILE \[hello-from-the-image\]"
	check $name "root is /dev/vda, ext4, read-write" "VOLT-VIRTIO-ROOT-IS-VDA yes (ext4 rw"
	if grep -q "^\[$name\] .*\(Operation not permitted\|Permission denied\)" "$work/console"; then
		echo "FAIL: $name: something was denied"
		failed=1
	fi
done
check vm1 "sandboxed with a Stellarium disk and the I/O thread" \
	"sandbox on: Seccomp: 2, NoNewPrivs: 1, CapEff: 0000000000000000"
check vm1 "the guest wrote to its overlay" "VOLT-VIRTIO-WROTE"
check vm1-again "VM 1 sees its write after a restart" "VOLT-VIRTIO-SEEN \[written-by-vm1\]"
check vm2 "VM 2 does not see VM 1's write" "VOLT-VIRTIO-SEEN \[absent\]"
check vm1 "read-only raw disk readable, marked ro" "VOLT-RAW-RO \[raw-ro-content\] ro=1"
check vm1 "read-only raw disk refuses writes" "VOLT-RAW-RO-WRITE refused"
check_line "read-write raw disk holds the guest's write" "^VOLT-RAW-RW-HOST \[raw-rw-written-by-guest\]"
if grep -q "^VOLT-NET-SETUP ok" "$work/console"; then
	check vm1 "guest NIC configured by ip=" "VOLT-NET-ADDR .*10.0.2.15"
	check vm1 "TCP host to guest" "VOLT-NET-GOT \[from-host-42\]"
	check vm1-peer "TCP guest to host" "PEER: got \[from-guest-42\] from 10.0.2.15"
else
	echo "FAIL: no TAP in the level-1 guest: $(grep '^VOLT-NET-SETUP' "$work/console")"
	failed=1
fi

# The store: unchanged by the VMs (the image once, no new blocks), and the image lacks VM 1's file.
"$stellarium" --root "$work/volt" stats --json > "$work/stats-after.json"
if cmp -s "$work/stats-before.json" "$work/stats-after.json"; then
	echo "PASS: the store is unchanged by two VMs ($(tr -d ' \n' < "$work/stats-after.json"))"
else
	echo "FAIL: the store changed:"; cat "$work/stats-before.json" "$work/stats-after.json"
	failed=1
fi
"$stellarium" --root "$work/volt" checkout guestroot "$work/check.img" >/dev/null &&
	debugfs -R "cat /hello.txt" "$work/check.img" 2>/dev/null | grep -q hello-from-the-image &&
	! debugfs -R "cat /written-by-vm1" "$work/check.img" 2>/dev/null | grep -q written-by-vm1 &&
	echo "PASS: the image in the store does not have VM 1's file" ||
	{ echo "FAIL: the image in the store changed, or cannot be checked out"; failed=1; }
grep "VOLT-DD-\|VOLT-OVERLAYS\|timing\|memory:" "$work/console" | sed 's/^/note: /'
[ $failed -eq 0 ] && rm -rf "$work"
exit $failed
