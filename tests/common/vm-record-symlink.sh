#!/bin/sh
# A VM's record is read only from a real directory ROOT/vms/NAME and
# real files in it: a symlink planted for the VM directory, for vm.json
# or run.pid, or for ROOT/vms itself, is refused with an error naming
# it, and nothing it points at is read or acted on: `volt vm list` skips
# it (and says so), `inspect` and `rm` refuse it, `rm --force` removes
# the link alone. The crafted record names a live process in run.pid
# (a "foreground voltvm" that rm --force would kill) and, where TAP
# devices can be made, a TAP device that rm would remove.
# usage: vm-record-symlink.sh VOLT
set -u
volt=$(realpath "$1")
test_name=vm-symlink root_why="the state root under /tmp, TAP devices"
. "$(dirname "$0")/vm-lib.sh"
victim=
tap=
cleanup() {
	[ -n "$victim" ] && kill "$victim" 2>/dev/null
	[ -n "$tap" ] && ip link del "$tap" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# The crafted content must never show: it was read through a link.
unread() { ! grep -q "OUTSIDE-CRAFTED" "$tmp/out" || fail "$1: the crafted record outside the root was read"; }
alive() { kill -0 "$victim" 2>/dev/null || fail "$1: the process named by the crafted run.pid was killed"; }

"$volt" vm create h1 --image busybox -- /bin/true >"$tmp/out" 2>&1 || { cat "$tmp/out"; die "vm create h1"; }
vms=$VOLT_ROOT/vms

# A process of ours stands for any process the attacker wants killed:
# a new one for each case, so that one case's kill does not hide another's.
new_victim() {
	[ -n "$victim" ] && kill "$victim" 2>/dev/null
	sleep 600 &
	victim=$!
	echo "$victim" >"$1"
}
tap=volttsym$$
tap=$(printf %.15s "$tap")
ip tuntap add dev "$tap" mode tap 2>/dev/null || tap=
mkdir "$tmp/outside"
sed -e 's/"image": "[^"]*"/"image": "OUTSIDE-CRAFTED"/' \
    -e 's/"name": "h1"/"name": "evil"/' "$vms/h1/vm.json" >"$tmp/outside/vm.json"
if [ -n "$tap" ]; then
	# A private network whose TAP is the attacker's pick.
	python3 - "$tmp/outside/vm.json" "$tap" <<'PY' || die "craft the record"
import json, sys
p, tap = sys.argv[1:3]
c = json.load(open(p))
c.update(network="private", network_index=77, tap=tap, host_address="10.213.1.53", guest_address="10.213.1.54",
         mac="52:54:00:d5:00:4d")
json.dump(c, open(p, "w"))
PY
fi
grep -q OUTSIDE-CRAFTED "$tmp/outside/vm.json" || die "craft the record"
new_victim "$tmp/outside/run.pid"
echo keep >"$tmp/outside/precious"

echo "== the VM directory a symlink to a crafted record"
ln -s "$tmp/outside" "$vms/evil"
"$volt" vm list >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "vm list failed outright on one planted link"; }
cat "$tmp/out"
unread "vm list"
grep -q "^h1 " "$tmp/out" || fail "vm list no longer shows h1"
grep -q "^evil " "$tmp/out" && fail "vm list shows the planted link as a VM"
grep -q "vms/evil.*symlink" "$tmp/out" || fail "vm list does not say that vms/evil is a symlink it skipped"
"$volt" vm list --json >"$tmp/out" 2>/dev/null || fail "vm list --json"
unread "vm list --json"
"$volt" vm inspect evil >"$tmp/out" 2>&1 && fail "vm inspect of a symlinked VM directory succeeded"
cat "$tmp/out"
unread "vm inspect"
grep -q "vms/evil.*symlink" "$tmp/out" || fail "vm inspect does not name the symlink"
"$volt" vm rm evil >"$tmp/out" 2>&1 && fail "vm rm (no --force) of a symlinked VM directory succeeded"
cat "$tmp/out"
unread "vm rm"
grep -q "vms/evil.*symlink" "$tmp/out" || fail "vm rm does not name the symlink"
[ -L "$vms/evil" ] || fail "vm rm (refused) removed the link"
"$volt" vm rm --force evil >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "vm rm --force of the link"; }
unread "vm rm --force"
alive "vm rm --force"
[ -z "$tap" ] || ip link show "$tap" >/dev/null 2>&1 || fail "vm rm --force removed the TAP device the crafted record named"
[ ! -e "$vms/evil" ] && [ ! -L "$vms/evil" ] || fail "vm rm --force left the link"
[ -f "$tmp/outside/precious" ] && [ -f "$tmp/outside/vm.json" ] || fail "vm rm --force removed what the link pointed at"

echo "== vm.json and run.pid symlinks in a real VM directory"
mkdir "$vms/h2"
ln -s "$tmp/outside/vm.json" "$vms/h2/vm.json"
"$volt" vm inspect h2 >"$tmp/out" 2>&1 && fail "vm inspect of a symlinked vm.json succeeded"
cat "$tmp/out"
unread "vm inspect h2"
grep -q "h2/vm.json.*symlink" "$tmp/out" || fail "vm inspect does not name the symlinked vm.json"
new_victim "$tmp/outside/run.pid"
ln -s "$tmp/outside/run.pid" "$vms/h1/run.pid"
"$volt" vm list >"$tmp/out" 2>&1
grep -q "^h1 .*running" "$tmp/out" && fail "vm list takes h1 for running from a symlinked run.pid"
"$volt" vm rm --force h1 >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "vm rm --force h1"; }
alive "vm rm --force h1 (run.pid a symlink)"
[ ! -e "$vms/h1" ] || fail "vm rm --force h1 left $vms/h1"
[ -f "$tmp/outside/run.pid" ] || fail "the removal followed the run.pid link"

echo "== a FIFO for vm.json (a reader that blocks forever)"
mkdir "$vms/h3"
mkfifo "$vms/h3/vm.json"
timeout 20 "$volt" vm inspect h3 >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 124 ] && fail "vm inspect hangs on a FIFO for vm.json"
[ $rc = 0 ] && fail "vm inspect of a FIFO for vm.json succeeded"
timeout 20 "$volt" vm list >"$tmp/out" 2>&1
[ $? = 124 ] && fail "vm list hangs on a FIFO for vm.json"
rm -rf "$vms/h2" "$vms/h3"

echo "== ROOT/vms itself a symlink"
mv "$vms" "$tmp/vms-elsewhere"
mkdir "$tmp/outside-vms"
mv "$tmp/outside" "$tmp/outside-vms/evil"
ln -s "$tmp/outside-vms" "$vms"
new_victim "$tmp/outside-vms/evil/run.pid"
"$volt" vm list >"$tmp/out" 2>&1
cat "$tmp/out"
unread "vm list (ROOT/vms a symlink)"
"$volt" vm inspect evil >"$tmp/out" 2>&1 && fail "vm inspect through a symlinked ROOT/vms succeeded"
unread "vm inspect (ROOT/vms a symlink)"
grep -q "vms.*symlink" "$tmp/out" || fail "vm inspect does not name the symlinked ROOT/vms"
"$volt" vm rm --force evil >"$tmp/out" 2>&1
unread "vm rm --force (ROOT/vms a symlink)"
alive "vm rm --force (ROOT/vms a symlink)"
[ -f "$tmp/outside-vms/evil/precious" ] || fail "vm rm --force removed through a symlinked ROOT/vms"
[ $status = 0 ] && echo PASS
exit $status
