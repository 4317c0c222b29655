#!/bin/sh
# Runs where /dev/kvm works (inside the level-1 guest of harness/run-nested.sh,
# or directly): boots the Stardust guest kernel under voltvm with its root on
# a Stellarium-backed virtio-blk disk, three times (VM 1, VM 1 again, VM 2),
# with two raw disks and a TAP NIC on the first boot, and prints for each
# case its console prefixed "[case] " and "VOLT-CASE <case> rc=<exit code>".
# The outer test (test-virtio-boot.sh) judges the output.
# Environment: VOLTVM, KERNEL (bzImage), STORE (Stellarium store, read-only
# is fine), IMAGE (ref), RAW_RW, RAW_RO (raw images, copied here), HELPER
# (virtio-net-peer.py).
set -u
work=$(mktemp -d /run/volt-virtio.XXXXXX)
cp "$RAW_RW" "$work/raw-rw.img"
cp "$RAW_RO" "$work/raw-ro.img"
base="console=ttyS0 reboot=k panic=-1 root=/dev/vda rw rootfstype=ext4 init=/init quiet"
limit=${VOLT_CASE_TIMEOUT:-240}

finish() {
	name=$1 rc=$2
	sed "s/^/[$name] /" "$work/$name.out" | tr -d '\r'
	echo "VOLT-CASE $name rc=$rc"
}

# The host side of the guest's NIC: a TAP with an address, if the kernel lets us.
tap=vtap0
modprobe tun 2>/dev/null
if ip tuntap add dev $tap mode tap 2>"$work/tap.err" && ip addr add 10.0.2.1/24 dev $tap &&
	ip link set $tap up; then
	echo "VOLT-NET-SETUP ok"
	net="--net tap=$tap,mac=52:54:00:12:34:56"
	ipcfg="ip=10.0.2.15::10.0.2.1:255.255.255.0::eth0:off"
else
	echo "VOLT-NET-SETUP failed: $(cat "$work/tap.err")"
	net="" ipcfg=""
fi

# VM 1: root from the image with overlay A, a raw disk read-write, one read-only, the NIC.
# shellcheck disable=SC2086
timeout "$limit" "$VOLTVM" --kernel "$KERNEL" --memory 128M --timing \
	--disk "image=$IMAGE,store=$STORE,overlay=$work/a.overlay" \
	--disk "path=$work/raw-rw.img" --disk "path=$work/raw-ro.img,ro" $net \
	--cmdline "$base volt.case=vm1 $ipcfg" < /dev/null > "$work/vm1.out" 2>&1 &
vm=$!
if [ -n "$net" ]; then
	/usr/bin/python3 "$HELPER" "$work/vm1.out" 10.0.2.15 10.0.2.1 "$limit" > "$work/peer.out" 2>&1
	sed 's/^/[vm1-peer] /' "$work/peer.out"
fi
wait $vm
finish vm1 $?
[ -n "$net" ] && ip -s link show $tap | sed 's/^/VOLT-TAP /'
echo "VOLT-RAW-RW-HOST [$(dd if="$work/raw-rw.img" bs=23 count=1 2>/dev/null)]"
ip link del $tap 2>/dev/null

# VM 1 again, same overlay: its write is still there.
timeout "$limit" "$VOLTVM" --kernel "$KERNEL" --memory 128M \
	--disk "image=$IMAGE,store=$STORE,overlay=$work/a.overlay" \
	--cmdline "$base volt.case=vm1-again" < /dev/null > "$work/vm1-again.out" 2>&1
finish vm1-again $?

# VM 2, its own overlay: the write of VM 1 is not there.
timeout "$limit" "$VOLTVM" --kernel "$KERNEL" --memory 128M \
	--disk "image=$IMAGE,store=$STORE,overlay=$work/b.overlay" \
	--cmdline "$base volt.case=vm2" < /dev/null > "$work/vm2.out" 2>&1
finish vm2 $?
echo "VOLT-OVERLAYS $(ls -s "$work/a.overlay" "$work/b.overlay" | tr '\n' ' ')"
rm -rf "$work"
exit 0
