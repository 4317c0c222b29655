#!/bin/sh
# `volt vm run` for real: voltvm on KVM boots Volt's guest kernel and
# guest init from a root disk volt built from a Stellarium image
# (virtio-blk on the image, a per-VM overlay), runs the VM's command, and
# its exit status reaches the console and volt's own exit status. Two VMs
# of one image: the store holds the disk once; a write in one is not
# seen by the other nor by the image, and survives the VM's next run.
# A VM on a private network talks TCP to the host end of its TAP.
#
# KVM comes from the nested harness (tests/vmm/harness/run-nested.sh: one
# QEMU TCG level-1 guest with a real /dev/kvm, the host root read-only,
# a writable TMPDIR) unless VOLT_TEST_KVM=direct (this host's /dev/kvm).
# usage: nested-run.sh VOLT VOLTVM STELLARIUM INITRD IMAGES_DIR SRCDIR BUILD_DIR
set -u
volt=$(realpath "$1") voltvm=$(realpath "$2") stellarium=$(realpath "$3") initrd=$(realpath "$4")
images=$(realpath "$5") src=$(realpath "$6") build=$(realpath "$7")
top=$src/../..
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (image checkouts keep their owners)"
kdir=${VOLT_GUEST_KERNEL_DIR:-$("$top/scripts/build-guest-kernel" --cached-only 2>/dev/null)}
[ -n "$kdir" ] && [ -f "$kdir/vmlinux" ] ||
	skip "no guest kernel (scripts/build-guest-kernel builds it; VOLT_GUEST_KERNEL_DIR names it)"
"$voltvm" --help | grep -q -- "--disk" || skip "this voltvm has no --disk (virtio devices)"

work=$build/vm-nested-test
rm -rf "$work"
mkdir -p "$work"
sh "$top/images/busybox-rootfs.sh" "$work/image" >/dev/null || exit $?
echo "the file the test put in the image" >"$work/image/etc/volt-marker"

cat >"$work/inner.sh" <<INNER
set -u
export VOLT_ROOT=\${TMPDIR:-/tmp}/volt-vm-root VOLT_GUEST_KERNEL='$kdir/vmlinux' VOLT_GUEST_INITRD='$initrd'
export VOLT_VOLTVM='$voltvm' VOLT_IMAGES_DIR='$images' ASAN_OPTIONS=detect_leaks=0 PATH=\$PATH:/sbin:/usr/sbin
rm -rf "\$VOLT_ROOT"
'$stellarium' import --tag marked '$work/image' >/dev/null 2>&1 || echo "STEP-FAIL import"
'$volt' vm create n1 --image marked --memory 128M -- /bin/sh -c \
	'cat /etc/volt-marker; cat /root/written 2>/dev/null || echo "n1: nothing written yet"; echo "by n1" >/root/written; sync; exit 3' ||
	echo "STEP-FAIL create n1"
'$volt' vm create n2 --image marked --memory 128M -- /bin/sh -c \
	'cat /root/written 2>/dev/null || echo "n2: no file from n1"; exit 0' || echo "STEP-FAIL create n2"
echo "STORE-DISKS \$('$stellarium' refs | grep -c '^volt-vm-disk-')"
'$volt' vm run n1; echo "RUN-EXIT n1 first \$?"
'$volt' vm run n2; echo "RUN-EXIT n2 \$?"
'$volt' vm run n1; echo "RUN-EXIT n1 second \$?"
# A private network: the manager's TAP with the host end addressed, the
# guest's eth0 from ip=, TCP from the guest to a listener on the host end.
# (Debian's kernel has tun as a module; the host's modules are visible here.)
modprobe tun 2>/dev/null
'$volt' vm create n3 --image marked --memory 128M --network private -- /bin/sh -c \
	'ip addr show eth0; echo "hello over TCP from the guest" | nc 10.213.0.5 7777; echo "nc status \$?"' ||
	echo "STEP-FAIL create n3"
busybox nc -l -p 7777 >"\$VOLT_ROOT/tcp-received" 2>&1 &
listener=\$!
sleep 1
'$volt' vm run n3; echo "RUN-EXIT n3 \$?"
sleep 1
kill \$listener 2>/dev/null
echo "HOST-RECEIVED: \$(cat "\$VOLT_ROOT/tcp-received")"
'$volt' vm rm n3 && ! ip link show vtap1 >/dev/null 2>&1 && echo "TAP-REMOVED"
'$volt' vm list
ref=\$('$volt' vm inspect n1 | sed -n 's/.*"disk_ref": "\(.*\)".*/\1/p')
if '$stellarium' checkout "\$ref" "\$VOLT_ROOT/disk" >/dev/null 2>&1; then
	out=\$(debugfs -R 'cat /root/written' "\$VOLT_ROOT/disk" 2>&1)
	case \$out in
	*"by n1"*) echo "IMAGE-CHANGED" ;;
	*"File not found"*) echo "IMAGE-UNCHANGED" ;;
	*) echo "STEP-FAIL debugfs: \$out" ;;
	esac
else
	echo "STEP-FAIL checkout of the disk"
fi
INNER

if [ "${VOLT_TEST_KVM:-nested}" = direct ]; then
	[ -c /dev/kvm ] || skip "VOLT_TEST_KVM=direct but there is no /dev/kvm"
	TMPDIR=$work sh "$work/inner.sh" >"$work/console" 2>&1
	rc=$?
else
	# Nested TCG on a loaded host has been seen to stall the level-1
	# kernel (soft lockups, no progress), as tests/vmm/test-kvm-boot.sh
	# notes: a level-1 timeout is retried once, and said so. A VMM or
	# manager bug fails both attempts.
	for attempt in 1 2; do
		sh "$top/tests/vmm/harness/run-nested.sh" "$work/inner.sh" 600 >"$work/console" 2>&1
		rc=$?
		grep -q "level-1 guest timed out" "$work/console" || break
		[ $attempt -eq 1 ] && cp "$work/console" "$work/console.attempt1" &&
			echo "note: the level-1 guest timed out (attempt 1); retrying once"
	done
fi
cat "$work/console"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: the KVM harness exited with $rc"; exit 1; }

failures=0
want() { grep -q -- "$1" "$work/console" || { echo "FAIL: $2 (no '$1' on the console)"; failures=$((failures + 1)); }; }
want "STORE-DISKS 1" "two VMs of one image: the store holds one disk"
want "the file the test put in the image" "the guest mounts its root from the Stellarium disk"
want "n1: nothing written yet" "the first run of n1 starts from the image"
want "VOLT-GUEST-EXIT 3" "the guest init reports the workload's status"
want "RUN-EXIT n1 first 3" "volt vm run exits with the workload's status"
want "n2: no file from n1" "a write in one VM is not seen by the other"
want "RUN-EXIT n2 0" "n2 runs"
want "^by n1" "n1's write survives in its overlay for its next run"
want "RUN-EXIT n1 second 3" "n1 runs again"
want "IMAGE-UNCHANGED" "the image itself is not written"
want "inet 10.213.0.6/30" "a private network gives the guest its address"
want "HOST-RECEIVED: hello over TCP from the guest" "TCP from the guest reaches the host end of its TAP"
want "RUN-EXIT n3 0" "the networked VM runs"
want "TAP-REMOVED" "rm removes the VM's TAP device"
grep -q "STEP-FAIL" "$work/console" && { echo "FAIL: $(grep STEP-FAIL "$work/console")"; failures=$((failures + 1)); }
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
