#!/bin/sh
# `volt vm rm` on a VM directory holding what a hostile writer could
# leave there: the removal (common_rm_rf) never follows a symlink, the
# VM directory itself included (refused, --force removes the link
# alone), and never crosses a mount point.
# usage: vm-rm-hostile.sh VOLT
set -u
volt=$(realpath "$1")
test_name=vm-rm root_why="bind mounts"
. "$(dirname "$0")/vm-lib.sh"
cleanup() {
	umount "$tmp/root/vms/h1/sub/mnt" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$volt" vm create h1 --image busybox -- /bin/true >"$tmp/out" 2>&1 || { cat "$tmp/out"; die "vm create h1"; }
"$volt" vm create h2 --image busybox -- /bin/true >"$tmp/out" 2>&1 || { cat "$tmp/out"; die "vm create h2"; }
vms=$VOLT_ROOT/vms
mkdir -p "$tmp/outside" "$tmp/mounted" "$tmp/outside2"
echo keep >"$tmp/outside/precious"
echo keep >"$tmp/mounted/precious"

echo "== a symlink in the VM directory, a bind mount below it"
ln -s "$tmp/outside" "$vms/h1/escape"
mkdir -p "$vms/h1/sub/mnt"
ln -s "$tmp/outside" "$vms/h1/sub/link"
mount --bind "$tmp/mounted" "$vms/h1/sub/mnt" || { echo "SKIP: mount --bind failed"; exit 77; }
"$volt" vm rm h1 >"$tmp/out" 2>&1 && fail "vm rm h1 removed a tree with a mount point in it"
grep -q "sub/mnt is a mount point" "$tmp/out" || { cat "$tmp/out"; fail "vm rm h1 did not name the mount point"; }
[ -f "$tmp/mounted/precious" ] || fail "the mounted content was removed"
[ -f "$vms/h1/vm.json" ] || fail "vm rm h1 removed part of the VM before refusing"
umount "$vms/h1/sub/mnt" || die "umount"
"$volt" vm rm h1 >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "vm rm h1 (no mount left)"; }
[ ! -e "$vms/h1" ] || fail "$vms/h1 is still there"
[ -f "$tmp/outside/precious" ] || fail "a symlink in the VM directory was followed: outside/precious removed"

echo "== the VM directory itself a symlink"
cp "$vms/h2/vm.json" "$tmp/outside2/vm.json"
echo keep >"$tmp/outside2/precious"
rm -rf "$vms/h2"
ln -s "$tmp/outside2" "$vms/h2"
"$volt" vm rm h2 >"$tmp/out" 2>&1 && fail "vm rm h2 (no --force) took a symlink for a VM"
"$volt" vm rm --force h2 >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "vm rm --force h2 (the link alone)"; }
[ -f "$tmp/outside2/precious" ] || fail "the VM directory's symlink was followed: outside2/precious removed"
[ ! -e "$vms/h2" ] && [ ! -L "$vms/h2" ] || fail "$vms/h2 is still there"
[ $status = 0 ] && echo PASS
exit $status
