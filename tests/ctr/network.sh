#!/bin/sh
# Container networking in the foreground, against the real kernel and
# systemd-nspawn: a private network (a veth pair, TCP both ways) and a
# published port. nspawn makes the veth pair on the host, which needs
# CAP_NET_ADMIN: without it (an unprivileged container, a CI sandbox) the
# test says SKIP.
# usage: network.sh VOLT LAUNCHER SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
# CAP_NET_ADMIN is capability 12 of the effective set.
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
[ $(( (0x$capeff >> 12) & 1 )) = 1 ] || { echo "SKIP: no CAP_NET_ADMIN here (nspawn cannot make the veth pair)"; exit 77; }

tmp=$(mktemp -d /tmp/volt-ctr-net-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=checks.sh
. "$src/checks.sh"

echo "== private network: a veth pair, TCP between host and container"
"$volt" run --rm --name net1 --network private busybox -- /bin/sh -c 'trap "exit 0" TERM; while true; do echo hello over veth | nc -l -p 8080; done' >"$tmp/net.out" 2>&1 &
netpid=$!
addr=
for i in $(seq 50); do
	addr=$(python3 -c 'import json,sys,subprocess
d = json.loads(subprocess.run([sys.argv[1], "container", "inspect", "net1"], capture_output=True, text=True).stdout or "{}")
i = d.get("config", {}).get("network_index")
print("10.213.%d.%d" % ((i * 4) >> 8 & 255, (i * 4 & 255) + 2) if i else "")' "$volt" 2>/dev/null)
	[ -n "$addr" ] && python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], 8080), timeout=0.2).close()' "$addr" 2>/dev/null && break
	sleep 0.1
done
got=$(python3 -c 'import socket,sys; s = socket.create_connection((sys.argv[1], 8080), timeout=5); print(s.recv(100).decode().strip())' "$addr" 2>&1)
[ "$got" = "hello over veth" ] || fail "TCP from the host to the container at $addr:8080 gave '$got'"
"$volt" stop -t 2s net1 >/dev/null 2>&1
wait $netpid
expect 0 "default via 10.213" "$volt" run --rm --network private busybox -- /bin/ip route

echo "== published port: host TCP port relayed into the container"
"$volt" run --rm --name pub1 --network private -p 18931:8080 busybox -- \
	/bin/sh -c 'trap "exit 0" TERM; while true; do echo published hello | nc -l -p 8080; done' >"$tmp/pub.out" 2>&1 &
pubpid=$!
got=
for i in $(seq 50); do
	got=$(python3 -c 'import socket; s = socket.create_connection(("127.0.0.1", 18931), timeout=2); print(s.recv(100).decode().strip())' 2>/dev/null) && [ -n "$got" ] && break
	sleep 0.1
done
[ "$got" = "published hello" ] || fail "host port 18931 did not reach the container (got '$got')"
expect 126 "Address already in use" "$volt" run --rm --network private -p 18931:80 busybox -- /bin/true
"$volt" stop -t 2s pub1 >/dev/null 2>&1
wait $pubpid
sleep 0.2
python3 -c 'import socket; socket.create_connection(("127.0.0.1", 18931), timeout=1)' 2>/dev/null &&
	fail "host port 18931 still open after the container stopped"

finish
