#!/bin/sh
# Inside the systemd test environment: the unit path of containers,
# against a real systemd PID 1 and its journal.
# usage: units-inner.sh VOLT LAUNCHER SRCDIR WORKDIR
set -u
volt=$1 launcher=$2 src=$3 tmp=$4
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=checks.sh
. "$src/checks.sh"

[ -d /run/systemd/system ] || { echo "FAIL: not inside systemd"; exit 1; }
unit=volt-container-web.service

echo "== create and start as a unit, with limits"
expect 0 "" "$volt" container create web --rootfs "$tmp/image" -m 64M --pids-limit 50 --cpus 0.5 --io-weight 200 \
	-- /bin/sh -c 'echo started; i=0; trap "echo stopping; exit 0" TERM; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done'
expect 0 "" "$volt" container start web
# Whether this environment's cgroups can enforce --memory: start warns when not.
if [ -r /sys/fs/cgroup/cgroup.controllers ]; then
	grep -qw memory /sys/fs/cgroup/cgroup.controllers && memok=1 || memok=0
else
	[ -w /sys/fs/cgroup/memory ] && memok=1 || memok=0
fi
if [ $memok = 0 ]; then
	grep -q "warning: container 'web': --memory (MemoryMax=) is not enforced" "$tmp/out" ||
		fail "no warning on start that --memory is not enforced here: $(cat "$tmp/out")"
else
	grep -q "warning.*--memory" "$tmp/out" && fail "a warning about --memory where it is enforced: $(cat "$tmp/out")"
fi
echo "  memory controller usable here: $memok; start said: $(tr '\n' ' ' <"$tmp/out")"
expect 0 "^active" systemctl is-active "$unit"
expect 0 "web .*running" "$volt" ps
expect 1 "already running" "$volt" container start web
systemctl show -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec -p IOWeight "$unit" >"$tmp/props"
for want in MemoryMax=67108864 TasksMax=50 CPUQuotaPerSecUSec=500ms IOWeight=200; do
	grep -qx "$want" "$tmp/props" || fail "unit property $want not set: $(tr '\n' ' ' <"$tmp/props")"
done
cg=$(systemctl show -p ControlGroup --value "$unit")
if [ -r "/sys/fs/cgroup$cg/memory.max" ]; then
	[ "$(cat "/sys/fs/cgroup$cg/memory.max")" = 67108864 ] || fail "memory.max of $cg is $(cat "/sys/fs/cgroup$cg/memory.max")"
	[ "$(cat "/sys/fs/cgroup$cg/pids.max")" = 50 ] || fail "pids.max of $cg is $(cat "/sys/fs/cgroup$cg/pids.max")"
	echo "  cgroup $cg: memory.max and pids.max enforced"
elif [ -r "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" ]; then
	[ "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")" = 67108864 ] || fail "memory limit of $cg"
	echo "  cgroup v1 $cg: memory limit enforced"
else
	echo "  NOTE: no memory controller for $cg in this environment (hybrid cgroups with read-only"
	echo "        v1 controllers inside nspawn): limits are checked as unit properties only"
fi

echo "== visible to ordinary systemd tools"
expect 0 "Volt container web" systemctl status --no-pager "$unit"
wait_for 10 sh -c "journalctl -u $unit -o cat | grep -q 'tick 2'" || fail "journalctl -u $unit does not show the output"
expect 0 "^started" "$volt" logs web
expect 0 "tick" "$volt" logs -n 2 web
[ "$(wc -l <"$tmp/out")" = 2 ] || fail "logs -n 2 printed $(wc -l <"$tmp/out") lines"

echo "== exec: namespaces, user, sandbox"
expect 0 "inside web" "$volt" exec web -- /bin/sh -c 'echo inside $(hostname)'
expect 0 "0 *524288 *65536" "$volt" exec web -- /bin/cat /proc/self/uid_map
expect 1 "Permission denied\|Operation not permitted" "$volt" exec web -- /bin/sh -c 'echo x > /usr/evil'
expect 1 "permission denied\|Operation not permitted" "$volt" exec web -- /bin/mount -t tmpfs x /mnt
expect 0 '"fs_write"' "$volt" container inspect web
# An exec'd command joins the container's cgroup: its unit shows it.
"$volt" exec web -- /bin/sleep 7.5 >/dev/null 2>&1 &
execpid=$!
wait_for 5 sh -c "systemctl status --no-pager $unit | grep -q 'sleep 7.5'" ||
	fail "the exec'd command is not in the unit's cgroup: $(systemctl status --no-pager "$unit" | tail -8)"
kill $execpid 2>/dev/null
expect 0 '"status": "running"' "$volt" container inspect web

echo "== stop, restart, exit status, rm"
expect 1 "is running: stop it first, or use --force" "$volt" rm web
expect 0 "" "$volt" stop -t 5s web
expect 0 "web .*exited (0)" "$volt" ps -a
expect 1 "not running" "$volt" stop web
wait_for 5 sh -c "journalctl -u $unit -o cat | grep -q stopping" || fail "the workload did not get SIGTERM on stop"
expect 0 "" "$volt" container restart web
expect 0 "web .*running" "$volt" ps
expect 0 "" "$volt" rm --force web
expect 1 "no container named 'web'" "$volt" container inspect web
systemctl is-active "$unit" >/dev/null 2>&1 && fail "$unit still active after rm --force"

expect 0 "" "$volt" container create short --rootfs "$tmp/image" -- /bin/sh -c 'echo bye; exit 5'
expect 0 "" "$volt" container start short
wait_for 10 sh -c "\"$volt\" ps | grep -q 'short .*exited (5)'" || { fail "short did not show 'exited (5)'"; "$volt" ps; }
expect 0 "^bye" "$volt" logs short
expect 1 "not running" "$volt" stop short
expect 0 "" "$volt" container start short
wait_for 10 sh -c "\"$volt\" ps | grep -q 'short .*exited (5)'" || fail "short did not exit again after a second start"
expect 0 "" "$volt" rm short

expect 0 "" "$volt" container create ok0 --rootfs "$tmp/image" -- /bin/true
expect 0 "" "$volt" container start ok0
wait_for 10 sh -c "\"$volt\" ps | grep -q 'ok0 .*exited (0)'" || { fail "ok0 did not show 'exited (0)'"; "$volt" ps; }
expect 0 "" "$volt" rm ok0

echo "== two containers of one Stellarium image, as units"
expect 0 "" "$volt" container create img1 --image busybox -- /bin/sleep 30
expect 0 "" "$volt" container create img2 --image busybox -- /bin/sleep 30
expect 0 "" "$volt" container start img1 img2
expect 0 "img2 .*running" "$volt" ps
[ "$(ls -d "$tmp"/root/ctr-bases/cas-* | wc -l)" = 1 ] || fail "two containers of one image have more than one base"
expect 0 "Refs: *1" "$(dirname "$volt")/stellarium" stats
expect 0 "" "$volt" rm -f img1 img2

echo "== private network as a unit"
# nspawn makes the veth pair with CAP_NET_ADMIN (capability 12), which a
# container the suite runs in may lack.
if ! have_net_admin; then
	echo "  NOTE: no CAP_NET_ADMIN here: the unit's private network is not tested"
else
expect 0 "" "$volt" container create netu --network private -p 18932:8081 --image busybox -- /bin/sh -c 'while true; do echo hello unit | nc -l -p 8081; done'
expect 0 "" "$volt" container start netu
i=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["network_index"])' <<JSON
$("$volt" container inspect netu)
JSON
)
addr=$(python3 -c 'import sys; i = int(sys.argv[1]) * 4; print("10.213.%d.%d" % (i >> 8 & 255, (i & 255) + 2))' "$i")
wait_for 10 python3 -c 'import socket,sys; s = socket.create_connection((sys.argv[1], 8081), timeout=0.3); assert s.recv(100).startswith(b"hello unit")' "$addr" ||
	fail "no TCP from the host to the unit container at $addr"
wait_for 10 python3 -c 'import socket; s = socket.create_connection(("127.0.0.1", 18932), timeout=0.3); assert s.recv(100).startswith(b"hello unit")' ||
	fail "published port 18932 of the unit container does not answer"
expect 0 "" "$volt" rm -f netu
fi

echo "== restart policies"
# Each run of a workload appends a line to a file on a volume: the count of runs.
mkdir -p "$tmp/rvol"
chmod 0777 "$tmp/rvol"
runs() { [ -f "$tmp/rvol/$1" ] && wc -l <"$tmp/rvol/$1" || echo 0; }
atleast() { [ "$(runs "$1")" -ge "$2" ]; }
expect 1 "restart policy 'sometimes' is not no, on-failure" "$volt" container create rbad --rootfs "$tmp/image" --restart sometimes -- /bin/true
expect 2 "conflict" "$volt" run --rm --restart always --rootfs "$tmp/image" -- /bin/true

expect 0 "" "$volt" container create rfail --rootfs "$tmp/image" --restart on-failure -v "$tmp/rvol:/data" \
	-- /bin/sh -c 'echo run >>/data/rfail; sleep 0.2; exit 1'
expect 0 '"restart": "on-failure"' "$volt" container inspect rfail
expect 0 "" "$volt" container start rfail
wait_for 20 atleast rfail 3 || fail "rfail (on-failure, exit 1) ran $(runs rfail) time(s), not restarted"
expect 0 "Restart=on-failure" systemctl show -p Restart volt-container-rfail.service
expect 0 "" "$volt" stop rfail
n=$(runs rfail)
sleep 1.5
[ "$(runs rfail)" = "$n" ] || fail "rfail ran again after 'volt stop' ($n, then $(runs rfail) runs)"
systemctl is-active volt-container-rfail.service >/dev/null 2>&1 && fail "rfail's unit is still active after 'volt stop'"
expect 0 "rfail .*exited" "$volt" ps -a
expect 0 "" "$volt" rm rfail

expect 0 "" "$volt" container create rno --rootfs "$tmp/image" --restart no -v "$tmp/rvol:/data" \
	-- /bin/sh -c 'echo run >>/data/rno; exit 1'
expect 0 '"restart": "no"' "$volt" container inspect rno
expect 0 "" "$volt" container start rno
wait_for 10 sh -c "\"$volt\" ps -a | grep -q 'rno .*exited (1)'" || fail "rno did not show 'exited (1)'"
sleep 1.5
[ "$(runs rno)" = 1 ] || fail "rno (restart no) ran $(runs rno) times"
expect 0 "" "$volt" rm rno

expect 0 "" "$volt" container create rok --rootfs "$tmp/image" --restart always -v "$tmp/rvol:/data" \
	-- /bin/sh -c 'echo run >>/data/rok; sleep 0.2; exit 0'
expect 0 "" "$volt" container start rok
wait_for 20 atleast rok 3 || fail "rok (always, exit 0) ran $(runs rok) time(s), not restarted"
expect 0 "" "$volt" stop rok
n=$(runs rok)
sleep 1.5
[ "$(runs rok)" = "$n" ] || fail "rok ran again after 'volt stop' ($n, then $(runs rok) runs)"
expect 0 "" "$volt" rm rok

# on-failure:2: the first run and two restarts, then it stays exited.
expect 0 "" "$volt" run -d --name rmax --restart on-failure:2 --rootfs "$tmp/image" -v "$tmp/rvol:/data" \
	-- /bin/sh -c 'echo run >>/data/rmax; exit 3'
expect 0 '"restart_max": 2' "$volt" container inspect rmax
wait_for 20 atleast rmax 3 || fail "rmax (on-failure:2) ran $(runs rmax) time(s)"
wait_for 10 sh -c "\"$volt\" ps -a | grep -q 'rmax .*exited (3)'" || fail "rmax did not end 'exited (3)': $("$volt" ps -a)"
sleep 1.5
[ "$(runs rmax)" = 3 ] || fail "rmax (on-failure:2) ran $(runs rmax) times, not 3"
expect 0 "" "$volt" rm -f rmax

echo "== start at boot: enable, disable"
boot=volt-boot-boot1.service
expect 0 "" "$volt" container create boot1 --rootfs "$tmp/image" -- /bin/sleep 120
expect 1 "no container named 'nosuch'" "$volt" container enable nosuch
expect 0 "^boot1" "$volt" container enable boot1
expect 0 "^enabled" systemctl is-enabled "$boot"
[ -L "/etc/systemd/system/multi-user.target.wants/$boot" ] || fail "$boot is not wanted by multi-user.target"
grep -q "^ExecStart=\".*\" \"--root\" \"$tmp/root\" \"container\" \"start\" \"boot1\"$" "/etc/systemd/system/$boot" ||
	fail "ExecStart of $boot: $(grep ExecStart "/etc/systemd/system/$boot")"
expect 0 "boot1 .*created" "$volt" ps -a
# What a boot does: the target pulls in what it wants.
expect 0 "" systemctl start multi-user.target
wait_for 20 sh -c "\"$volt\" ps | grep -q 'boot1 .*running'" ||
	fail "multi-user.target did not start boot1: $("$volt" ps -a); $(systemctl status --no-pager "$boot" | tail -5)"
expect 0 "^boot1" "$volt" container disable boot1
expect 1 "" systemctl is-enabled "$boot"
[ ! -e "/etc/systemd/system/$boot" ] || fail "$boot is still there after disable"
[ ! -e "/etc/systemd/system/multi-user.target.wants/$boot" ] || fail "the wants link of $boot is still there"
expect 0 "boot1 .*running" "$volt" ps
expect 0 "was not enabled" "$volt" container disable boot1
expect 0 "" "$volt" container enable boot1
expect 0 "" "$volt" rm -f boot1
[ ! -e "/etc/systemd/system/$boot" ] || fail "volt rm left $boot behind"
expect 1 "" systemctl is-enabled "$boot"

echo "== run --detach"
expect 0 "^det$" "$volt" run -d --name det --rootfs "$tmp/image" -- /bin/sleep 60
expect 0 '"state": "running"' "$volt" ps --json
grep -q '"unit": true' "$tmp/out" || fail "det does not run as a unit"
expect 0 "" "$volt" rm -f det
expect 1 "already exists\|No such file" "$volt" run -d --name det --rootfs "$tmp/nonexistent" -- /bin/true
[ ! -e "$tmp/root/containers/det" ] || fail "a failed run -d left its container behind"

finish
