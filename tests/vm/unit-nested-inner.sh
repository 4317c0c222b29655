#!/bin/sh
# Inside the systemd test environment inside the nested KVM harness: a
# real Linux guest as the unit volt-vm-lx.service. The distribution
# kernel (no minimal kernel, none named), the built-in busybox image, a
# private network; create, start, the workload's line in `volt vm logs`,
# stop (unit inactive, voltvm gone), rm (no unit, no record, no TAP).
# usage: unit-nested-inner.sh VOLT VOLTVM RELEASE CHECKS_SH
#   (VOLT_GUEST_INITRD and VOLT_IMAGES_DIR from the environment)
set -u
volt=$1 voltvm=$2 release=$3
# /tmp: the container's own (its volatile root); it has no /var/tmp.
tmp=$(mktemp -d /tmp/volt-unit-nested-XXXXXX) || { echo "FAIL: mktemp in /tmp"; exit 1; }
# shellcheck source=../ctr/checks.sh
. "$4"
export VOLT_ROOT=$tmp/root VOLT_CLI=$volt VOLT_MINIMAL_KERNEL=/nonexistent/minimal-vmlinux PATH=$PATH:/sbin:/usr/sbin
unset VOLT_GUEST_KERNEL VOLT_GUEST_KERNEL_DIR
# The unit's environment is systemd's: a sanitizer build of voltvm must
# not run LeakSanitizer (ptrace, refused by the VMM's seccomp filter).
printf '#!/bin/sh\nASAN_OPTIONS=detect_leaks=0 exec %s "$@"\n' "$voltvm" >"$tmp/voltvm"
chmod +x "$tmp/voltvm"
export VOLT_VOLTVM=$tmp/voltvm
unit=volt-vm-lx.service
# Seconds since the level-1 script began (VMUNIT_T0): figures for the log, never asserted.
t() { echo "VMUNIT-T $(($(date +%s) - ${VMUNIT_T0:-$(date +%s)})) s: $*"; }
t "inside the systemd environment"

[ -d /run/systemd/system ] || { echo "FAIL: PID 1 here is not systemd"; exit 1; }
if [ ! -c /dev/kvm ] || ! : 3<>/dev/kvm 2>"$tmp/kvm.err"; then
	echo "FAIL: /dev/kvm is not usable inside the systemd environment: $(cat "$tmp/kvm.err" 2>/dev/null)"
	exit 1
fi
echo "inside: PID 1 is $(cat /proc/1/comm), $(systemctl is-system-running), /dev/kvm opens"

echo "== create: the distribution kernel, the built-in image, a private network"
expect 0 "" "$volt" vm create lx --image busybox --memory 128M --network private -- /bin/sh -c \
	'echo "UNIT-GUEST-WORKLOAD $(uname -r) $((6 * 7))"; while :; do echo UNIT-GUEST-TICK; sleep 5; done'
expect 0 '"kernel_source": "distribution"' "$volt" vm inspect lx
tap=$(sed -n 's/.*"tap": "\([^"]*\)".*/\1/p' "$tmp/out")
[ -n "$tap" ] || fail "inspect names no TAP device"

t "created"
echo "== start: a unit running voltvm, which boots the guest"
expect 0 "" "$volt" vm start lx
expect 0 "^active" systemctl is-active "$unit"
cg=$(systemctl show -P ControlGroup "$unit")
# Active comes before voltvm: the unit's main process is volt's console
# relay, which starts voltvm (in the ASan build, seconds later), so look
# for a while.
vmm=""
i=0
while [ -z "$vmm" ] && [ $i -lt 300 ]; do
	for pid in $(cat "/sys/fs/cgroup$cg/cgroup.procs" 2>/dev/null); do
		[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$voltvm")" ] && vmm=$pid
	done
	[ -n "$vmm" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$vmm" ] && echo "  voltvm is pid $vmm in the unit's cgroup $cg" || fail "no voltvm process in the unit's cgroup $cg"
expect 0 "lx .*running" "$volt" vm list
ip link show "$tap" >/dev/null 2>&1 || fail "start made no TAP device $tap"

echo "== logs: the guest's console in the journal"
t "started"
wait_for 240 sh -c "'$volt' vm logs lx | grep -q UNIT-GUEST-TICK" || fail "no workload line in 'volt vm logs' after 240 s"
t "the workload's lines are in the journal"
expect 0 "UNIT-GUEST-WORKLOAD $release 42" "$volt" vm logs lx
grep "UNIT-GUEST-WORKLOAD" "$tmp/out" | sed 's/^/  | /'

echo "== stop: the unit inactive, voltvm gone"
expect 0 "" "$volt" vm stop -t 10s lx
expect 3 "" systemctl is-active "$unit"
[ -n "$vmm" ] && kill -0 "$vmm" 2>/dev/null && fail "voltvm (pid $vmm) still runs after stop"
expect 0 "lx " "$volt" vm list
grep -q "lx .*running" "$tmp/out" && fail "list says lx runs after stop"

t "stopped"
echo "== rm: no unit, no record, no TAP"
expect 0 "" "$volt" vm rm lx
expect 0 "LoadState=not-found" systemctl show -p LoadState "$unit"
[ -e "$VOLT_ROOT/vms/lx" ] && fail "rm left $VOLT_ROOT/vms/lx"
ip link show "$tap" >/dev/null 2>&1 && fail "rm left the TAP device $tap"
expect 0 "" "$volt" vm list
grep -q "^lx " "$tmp/out" && fail "rm'd VM still listed"
left=$(ls -A "$VOLT_ROOT/vms" 2>/dev/null)
[ -z "$left" ] || fail "rm left records under $VOLT_ROOT/vms: $left"
left=$(systemctl list-units --all --no-legend 'volt-vm-*')
[ -z "$left" ] || fail "units left after rm: $left"
pgrep -x voltvm >/dev/null && fail "a voltvm process is left: $(pgrep -a -x voltvm)"
t "removed"
rm -rf "$tmp"
finish
