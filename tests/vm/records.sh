#!/bin/sh
# VM records and root disks, without KVM: create / list / inspect / rm,
# the root disk built once per image and reused (its content checked
# with debugfs), the network allocator shared with containers, and bad
# input, each a clear error and a non-zero exit.
# usage: records.sh VOLT STELLARIUM SRCDIR
set -u
volt=$(realpath "$1") stellarium=$(realpath "$2") src=$(realpath "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (image checkouts keep their owners)"; exit 77; }
command -v mkfs.ext4 >/dev/null || [ -x /sbin/mkfs.ext4 ] || { echo "SKIP: mkfs.ext4 (e2fsprogs) is not installed"; exit 77; }
command -v debugfs >/dev/null || [ -x /sbin/debugfs ] || { echo "SKIP: debugfs (e2fsprogs) is not installed"; exit 77; }
PATH=$PATH:/sbin:/usr/sbin

tmp=$(mktemp -d /tmp/volt-vm-records-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_ROOT="$tmp/root"
# The manager only checks the kernel's size here: nothing boots.
head -c 4000000 /dev/urandom >"$tmp/vmlinux"
export VOLT_GUEST_KERNEL="$tmp/vmlinux"
# shellcheck source=../ctr/checks.sh
. "$src/../ctr/checks.sh"

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/out"; }

echo "== bad input before any store exists"
expect 1 "no image 'mine'.*does not exist yet" "$volt" vm create v0 --image mine

echo "== create from the built-in image: the disk is built once"
expect 0 "building the VM disk" "$volt" --log-level info vm create v1 --image busybox -- /bin/echo hello
expect 0 "reusing the VM disk" "$volt" --log-level info vm create v2 --image busybox --memory 128M --cpus 2 \
	--network private -e A=1 -w /tmp -u user -- /bin/sh -c 'echo "a b"'
"$volt" vm inspect v1 >"$tmp/out" || fail "inspect v1"
ref1=$(json 'd["config"]["disk_ref"]')
"$volt" vm inspect v2 >"$tmp/out" || fail "inspect v2"
ref2=$(json 'd["config"]["disk_ref"]')
[ -n "$ref1" ] && [ "$ref1" = "$ref2" ] || fail "two VMs of one image have disks '$ref1' and '$ref2'"
expect 0 "^volt-vm-disk-" "$stellarium" refs
[ "$(grep -c '^volt-vm-disk-' "$tmp/out")" = 1 ] || fail "the store holds $(grep -c '^volt-vm-disk-' "$tmp/out") VM disks, not 1"

echo "== the record"
"$volt" vm inspect v2 >"$tmp/out" || fail "inspect v2"
[ "$(json 'd["config"]["memory_bytes"]')" = 134217728 ] || fail "memory not recorded"
[ "$(json 'd["config"]["cpus"]')" = 2 ] || fail "cpus not recorded"
[ "$(json 'd["config"]["guest_address"]')" = 10.213.0.6 ] || fail "guest address $(json 'd["config"]["guest_address"]')"
[ "$(json 'd["config"]["tap"]')" = vtap1 ] || fail "TAP $(json 'd["config"]["tap"]')"
cmdline=$(json 'd["config"]["cmdline"]')
for want in "ip=10.213.0.6::10.213.0.5:255.255.255.252::eth0:off" "volt.root=/dev/vda" "volt.workdir=\"/tmp\"" \
	"volt.user=user" "volt.env=QT0xAA==" "volt.hostname=v2" "reboot=k"; do
	case $cmdline in *"$want"*) ;; *) fail "guest command line lacks $want: $cmdline" ;; esac
done
# The command survives the trip: decode volt.cmd as the guest init would.
cmd=$(echo "$cmdline" | tr ' ' '\n' | sed -n 's/^volt.cmd=//p' | base64 -d | tr '\0' '|')
[ "$cmd" = '/bin/sh|-c|echo "a b"|' ] || fail "volt.cmd decodes to '$cmd'"
expect 0 "--disk" "$volt" vm inspect v2
grep -q "image=$ref2,store=$tmp/root/cas,overlay=$tmp/root/vms/v2/overlay" "$tmp/out" || fail "voltvm's --disk"
grep -q "tap=vtap1,mac=52:54:00:d5:00:01" "$tmp/out" || fail "voltvm's --net"

echo "== list"
expect 0 "v1 *busybox *created .* 256 MiB *1 *-" "$volt" vm list
grep -q "v2 *busybox *created .* 128 MiB *2 *10.213.0.6" "$tmp/out" || { fail "list lacks v2"; cat "$tmp/out"; }
expect 0 '"address": "10.213.0.6"' "$volt" vm list --json

echo "== the disk holds the image's files"
mkdir -p "$tmp/tree/etc"
echo "marker from the test $$" >"$tmp/tree/etc/volt-marker"
mkdir -p "$tmp/tree/usr/bin" && cp /bin/busybox "$tmp/tree/usr/bin/" 2>/dev/null
expect 0 "" "$stellarium" import --tag mine "$tmp/tree"
expect 0 "" "$volt" vm create v3 --image mine --disk-size 64M
"$volt" vm inspect v3 >"$tmp/out" || fail "inspect v3"
ref3=$(json 'd["config"]["disk_ref"]')
[ "$(json 'd["config"]["disk_size"]')" = 67108864 ] || fail "--disk-size 64M gave $(json 'd["config"]["disk_size"]') bytes"
expect 0 "" "$stellarium" checkout "$ref3" "$tmp/disk.ext4"
debugfs -R 'cat /etc/volt-marker' "$tmp/disk.ext4" >"$tmp/out" 2>&1
grep -q "marker from the test $$" "$tmp/out" || { fail "the disk lacks /etc/volt-marker"; cat "$tmp/out"; }
expect 0 "" "$stellarium" checkout "$ref1" "$tmp/disk1.ext4"
debugfs -R 'cat /etc/os-release' "$tmp/disk1.ext4" >"$tmp/out" 2>&1
grep -q "Volt test image" "$tmp/out" || { fail "the busybox disk lacks /etc/os-release"; cat "$tmp/out"; }

echo "== private networks are shared with containers"
if expect 0 "" "$volt" container create c1 --image busybox --network private; then
	expect 0 "" "$volt" vm create v4 --image busybox --network private
	"$volt" container inspect c1 >"$tmp/out" && ci=$(json 'd["config"]["network_index"]')
	"$volt" vm inspect v4 >"$tmp/out" && vi=$(json 'd["config"]["network_index"]')
	[ "$ci" = 2 ] && [ "$vi" = 3 ] || fail "network indexes: v2 1, container c1 $ci, v4 $vi (want 2 and 3)"
	expect 0 "" "$volt" container rm c1
fi

echo "== bad input"
expect 1 "a VM named 'v1' already exists" "$volt" vm create v1 --image busybox
expect 1 "no image 'nosuch' in the store" "$volt" vm create v5 --image nosuch
expect 1 "VM name" "$volt" vm create 'bad/name' --image busybox
expect 2 "which image" "$volt" vm create v5
expect 2 "give the VM a NAME" "$volt" vm create --image busybox
expect 1 "out of range" "$volt" vm create v5 --image busybox --memory 32M
expect 1 "out of range" "$volt" vm create v5 --image busybox --memory 65M
expect 1 "out of range" "$volt" vm create v5 --image busybox --memory 4G
expect 2 "--cpus '0'" "$volt" vm create v5 --image busybox --cpus 0
expect 2 "--cpus '33'" "$volt" vm create v5 --image busybox --cpus 33
expect 2 "--network 'bridge'" "$volt" vm create v5 --image busybox --network bridge
expect 1 "TAP name 'bad/tap'" "$volt" vm create v5 --image busybox --network tap:bad/tap
expect 1 "TAP name 'waytoolongtapname'" "$volt" vm create v5 --image busybox --network tap:waytoolongtapname
expect 1 "TAP name ''" "$volt" vm create v5 --image busybox --network tap:
# A kernel too big for the memory: what must fit is the kernel, the
# unpacked initrd and the guest's own 32 MiB (the disk is not in memory).
head -c 60000000 /dev/zero >"$tmp/big-vmlinux"
expect 1 "memory 64 MiB is too small for this VM: it needs at least" "$volt" vm create v5 --image busybox \
	--memory 64M --kernel "$tmp/big-vmlinux"
expect 1 "guest kernel /no/such/kernel" "$volt" vm create v5 --image busybox --kernel /no/such/kernel
VOLT_GUEST_KERNEL=/nonexistent expect 1 "guest kernel /nonexistent" "$volt" vm create v5 --image busybox
expect 1 "needs a disk of at least" "$volt" vm create v5 --image mine --disk-size 1M
expect 1 "not absolute" "$volt" vm create v5 --image busybox -w tmp
expect 1 "not NAME=VALUE" "$volt" vm create v5 --image busybox -e NOVALUE
expect 1 "too long\|more than" "$volt" vm create v5 --image busybox -- /bin/echo "$(head -c 3000 /dev/zero | tr '\0' x)"
[ ! -e "$tmp/root/vms/v5" ] || fail "a failed create left $tmp/root/vms/v5 behind"
expect 1 "no VM named 'nosuch'" "$volt" vm inspect nosuch
expect 1 "no VM named 'nosuch'" "$volt" vm rm nosuch

echo "== unit verbs need systemd"
if [ ! -d /run/systemd/system ]; then
	expect 1 "needs systemd as PID 1.*volt vm run" "$volt" vm start v1
	expect 1 "systemd is not PID 1" "$volt" vm logs v1
fi
expect 1 "is not running" "$volt" vm stop v1

echo "== rm keeps the image's disk"
expect 0 "" "$volt" vm rm v1 v2 v3
[ ! -e "$tmp/root/vms/v1" ] || fail "rm left $tmp/root/vms/v1"
expect 0 "$ref1" "$stellarium" refs
expect 0 "v4" "$volt" vm list
grep -q "^v1 " "$tmp/out" && fail "v1 still listed"
finish
