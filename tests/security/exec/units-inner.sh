#!/bin/sh
# Inside the systemd test environment (see units.sh).
# usage: units-inner.sh VOLT LAUNCHER PROBE SRCDIR WORKDIR
set -u
volt=$1 launcher=$2 probe=$3 src=$4 tmp=$5
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
probe_in=/usr/local/bin/probe-exec
# shellcheck source=../../ctr/checks.sh
. "$src/../../ctr/checks.sh"
[ -d /run/systemd/system ] || { echo "FAIL: not inside systemd"; exit 1; }

echo "== DevicePolicy=closed"
mkdir -p "$tmp/devvol"
# c 1:11 is /dev/kmsg: not among the pseudo devices "closed" allows.
mknod -m 666 "$tmp/devvol/kmsg" c 1 11
expect 0 "" "$volt" container create dev --rootfs "$tmp/image" -v "$probe:$probe_in:ro" -v "$tmp/devvol:/var/tmp/devvol" \
	-- /bin/sh -c "$probe_in open /var/tmp/devvol/kmsg /dev/null /dev/pts/ptmx; echo done"
expect 0 "" "$volt" container start dev
wait_for 20 sh -c "journalctl -u volt-container-dev.service -o cat | grep -q '^done'" ||
	fail "the container under DevicePolicy=closed did not run to its end"
journalctl -u volt-container-dev.service -o cat >"$tmp/dev.out"
sed 's/^/  | /' "$tmp/dev.out"
expect 0 "DevicePolicy=closed" systemctl show -p DevicePolicy volt-container-dev.service
expect 0 "char-pts rw" systemctl show -p DeviceAllow volt-container-dev.service
grep -q "^/dev/null: open ok" "$tmp/dev.out" || fail "/dev/null does not open under DevicePolicy=closed"
grep -q "^/dev/pts/ptmx: open ok" "$tmp/dev.out" || fail "/dev/pts/ptmx does not open under DevicePolicy=closed"
if grep -q "^/var/tmp/devvol/kmsg: open EACCES" "$tmp/dev.out"; then
	echo "  NOTE: the volume is mounted nodev here: the device cgroup is checked by its property only"
else
	grep -q "^/var/tmp/devvol/kmsg: open EPERM" "$tmp/dev.out" || fail "a device node in a volume opens in a unit"
fi

echo "== the relay in the unit, under --pids-limit 50"
# A private network needs CAP_NET_ADMIN (capability 12) for nspawn's veth.
if ! have_net_admin; then
	echo "  NOTE: no CAP_NET_ADMIN here: the unit's relay is not tested"
	# The exec check below still needs a running unit named pub.
	expect 0 "" "$volt" container create pub --rootfs "$tmp/image" -v "$probe:$probe_in:ro" -- $probe_in serve 8080
	expect 0 "" "$volt" container start pub
else
port=18080
expect 0 "" "$volt" container create pub --network private -p "$port:8080" --pids-limit 50 --rootfs "$tmp/image" \
	-v "$probe:$probe_in:ro" -- $probe_in serve 8080
expect 0 "" "$volt" container start pub
wait_for 20 python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); sys.exit(s.recv(3) != b"hi\n")' "$port" ||
	fail "the published port of unit pub does not answer"
cg=$(systemctl show -p ControlGroup --value volt-container-pub.service)
# While the 300 are open: the processes running the launcher's binary (the relay).
python3 "$src/flood.py" "$port" 300 sh "$src/relays.sh" "$launcher" >"$tmp/flood" 2>&1
grep -v '^[0-9]' "$tmp/flood" | sed 's/^/  | /'
grep '^[0-9]' "$tmp/flood" >"$tmp/relays"
echo "  relay processes: $(wc -l <"$tmp/relays"), threads: $(cut -d' ' -f2 "$tmp/relays" | tr '\n' ' '), in $(cut -d' ' -f3 "$tmp/relays" | sort -u | tr '\n' ' ')"
grep -q "^greeted: 300" "$tmp/flood" || fail "not every one of 300 connections to the unit's port was served"
[ "$(wc -l <"$tmp/relays")" = 1 ] || fail "the relay of unit pub is not one process"
[ "$(cut -d' ' -f2 "$tmp/relays")" = 1 ] || fail "the relay of unit pub is not one thread"
[ "$(cut -d' ' -f3 "$tmp/relays" | sort -u)" = "$cg" ] || fail "the relay is not in the unit's cgroup $cg"
grep -q "^again: hi" "$tmp/flood" || fail "the unit's relay does not serve a new connection after 300 closed"
fi

echo "== volt exec into a unit whose /run/volt was replaced"
expect 0 "" "$volt" exec pub -- /bin/sh -c "mv /run/volt /run/volt.orig && mkdir /run/volt && cp $probe_in /run/volt/launch"
"$volt" exec pub -- $probe_in status >"$tmp/out" 2>&1
sed 's/^/  | /' "$tmp/out"
! grep -q "PLANTED" "$tmp/out" || fail "volt exec ran the launcher a unit's container planted"
grep -q "Seccomp:	2" "$tmp/out" || fail "the exec'd command runs without seccomp"
expect 0 "" "$volt" stop -t 2s pub
finish
