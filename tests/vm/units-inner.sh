#!/bin/sh
# Inside the systemd test environment: the unit path of VMs.
# usage: units-inner.sh VOLT SRCDIR WORKDIR
set -u
volt=$1 src=$2 tmp=$3
export VOLT_ROOT="$tmp/root" VOLT_VOLTVM="$src/fake-voltvm.sh" VOLT_CLI="$volt"
head -c 4000000 /dev/urandom >"$tmp/vmlinux"
export VOLT_GUEST_KERNEL="$tmp/vmlinux" PATH=$PATH:/sbin:/usr/sbin
# shellcheck source=../ctr/checks.sh
. "$src/../ctr/checks.sh"

[ -d /run/systemd/system ] || { echo "FAIL: not inside systemd"; exit 1; }
unit=volt-vm-sleeper.service

echo "== a VM that runs until stopped"
expect 0 "" "$volt" vm create sleeper --image busybox --memory 128M
expect 0 "" "$volt" vm start sleeper
expect 0 "^active" systemctl is-active "$unit"
expect 0 "sleeper .*running" "$volt" vm list
expect 1 "running already" "$volt" vm start sleeper
expect 0 "Volt VM sleeper" systemctl status --no-pager "$unit"
systemctl show -p MemoryAccounting -p KillMode -p Slice "$unit" >"$tmp/props"
for want in MemoryAccounting=yes KillMode=control-group Slice=machine.slice; do
	grep -qx "$want" "$tmp/props" || fail "unit property $want not set: $(tr '\n' ' ' <"$tmp/props")"
done
wait_for 10 sh -c "'$volt' vm logs sleeper | grep -q tick" || fail "no console output in 'volt vm logs'"
expect 0 "fake guest console: booting" "$volt" vm logs sleeper
expect 0 "tick" "$volt" vm logs -n 1 sleeper
[ "$(wc -l <"$tmp/out")" = 1 ] || fail "logs -n 1 printed $(wc -l <"$tmp/out") lines"
expect 1 "is running" "$volt" vm rm sleeper
expect 0 "" "$volt" vm stop -t 5s sleeper
expect 3 "" systemctl is-active "$unit"
expect 0 "sleeper .*created" "$volt" vm list
expect 1 "is not running" "$volt" vm stop sleeper

echo "== a VM whose command ends: its status from the guest init"
expect 0 "" "$volt" vm create quick --image busybox
expect 0 "" "$volt" vm start quick
wait_for 10 sh -c "'$volt' vm list | grep -q 'quick .*exited (4)'" || fail "quick is not 'exited (4)'"
expect 0 '"exit_status": 4' "$volt" vm list --json
expect 0 "VOLT-GUEST-EXIT 4" "$volt" vm logs quick
expect 0 "" "$volt" vm logs -f quick # returns: the VM has ended
expect 0 "" "$volt" vm start quick   # an exited VM starts again
wait_for 10 sh -c "'$volt' vm list | grep -q 'quick .*exited (4)'" || fail "quick did not end again"

echo "== a VM on a private network gets its TAP device at start"
# Creating the TAP needs CAP_NET_ADMIN (capability 12), which a container
# the suite runs in may lack.
if ! have_net_admin; then
	echo "  NOTE: no CAP_NET_ADMIN here: the TAP path is not tested"
elif [ -c /dev/net/tun ]; then
	expect 0 "" "$volt" vm create netvm --image busybox --network private
	expect 0 "" "$volt" vm start netvm
	tap=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["tap"])' <<JSON
$("$volt" vm inspect netvm)
JSON
)
	expect 0 "10.213.0.5/30" ip addr show "$tap"
	expect 0 "" "$volt" vm rm netvm
	ip link show "$tap" >/dev/null 2>&1 && fail "rm left the TAP device $tap behind"
else
	echo "  NOTE: no /dev/net/tun here: the TAP path is not tested"
fi

echo "== volt vm console: attach, type, detach with Ctrl-], the terminal restored"
expect 0 "" "$volt" vm create echoer --image busybox
expect 0 "" "$volt" vm start echoer
wait_for 10 sh -c "'$volt' vm logs echoer | grep -q booting" || fail "echoer did not boot"
sock=$VOLT_ROOT/vms/echoer/console.sock
[ -S "$sock" ] || fail "no console socket $sock"
[ "$(stat -c '%a %u' "$sock")" = "600 0" ] || fail "console socket is $(stat -c '%a %u' "$sock"), not 600 root"
python3 "$src/console-pty.py" "$volt" echoer >"$tmp/pty.out" 2>&1 || fail "console-pty.py: $(cat "$tmp/pty.out")"
sed 's/^/  | /' "$tmp/pty.out"
wait_for 10 sh -c "'$volt' vm logs echoer | grep -q 'got typed-while-attached'" ||
	fail "the journal does not keep the console's log"
expect 1 "is not running" "$volt" vm console quick
# A link where the socket was: refused, not followed.
mv "$sock" "$sock.real" && ln -s "$sock.real" "$sock"
expect 1 "not a socket of this user" "$volt" vm console echoer
rm -f "$sock" && mv "$sock.real" "$sock"
expect 0 "" "$volt" vm rm --force echoer

echo "== rm --force stops a running VM"
expect 0 "" "$volt" vm start sleeper
expect 0 "" "$volt" vm rm --force sleeper
expect 3 "" systemctl is-active "$unit"
expect 0 "" "$volt" vm rm quick
expect 0 "" "$volt" vm list
grep -q "sleeper\|quick" "$tmp/out" && fail "removed VMs are still listed"

echo "== the real voltvm as the unit (tiny guest on this host's KVM)"
if [ -n "${VOLT_TEST_REAL_VOLTVM:-}" ] && [ -c /dev/kvm ]; then
	export VOLT_VOLTVM="$VOLT_TEST_REAL_VOLTVM" VOLT_GUEST_KERNEL="$tmp/tiny-reset"
	expect 0 "" "$volt" vm create real1 --image busybox --memory 64M
	expect 0 "" "$volt" vm start real1
	# The unit stays "active (exited)" after voltvm ends, as containers do.
	wait_for 60 sh -c "systemctl show -p ExecMainCode volt-vm-real1.service | grep -qx ExecMainCode=1" ||
		fail "the real voltvm unit did not end"
	expect 0 "VOLT-TINY-HELLO" "$volt" vm logs real1
	expect 0 "ExecMainStatus=0" systemctl show -p ExecMainStatus volt-vm-real1.service
	expect 0 "$VOLT_TEST_REAL_VOLTVM" systemctl show -p ExecStart volt-vm-real1.service
	expect 0 "" "$volt" vm rm real1
else
	echo "  NOTE: no /dev/kvm on this host: the real voltvm as a unit is not tested here"
fi
finish
