#!/bin/sh
# Container networking in the foreground, against the real kernel and
# systemd-nspawn: a private network (an address on the bridge, TCP both
# ways) and published ports: TCP, UDP (/udp), loopback-only publishing,
# connections that come before the workload listens (held, then served
# or closed: never a hang), bad -p specs, and `volt exec` into a
# container that publishes a port. nspawn makes the veth pair on the
# host, which needs CAP_NET_ADMIN: without it the test says SKIP.
# usage: network.sh VOLT LAUNCHER UDP-ECHO SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") udpecho=$(realpath "$3") src=$4
tmp=$(mktemp -d /tmp/volt-ctr-net-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=checks.sh
. "$src/checks.sh"
need_private_network
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"

# A port nothing listens on now (the kernel's choice, so no clash).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'
}
# The container's address, from its record.
address_of() {
	"$volt" container inspect "$1" 2>/dev/null | python3 -c 'import json,sys
i = json.load(sys.stdin).get("config", {}).get("network_index")
print("10.213.%d.%d" % ((i * 4) >> 8 & 255, (i * 4 & 255) + 2) if i else "")' 2>/dev/null
}
# tcp_read HOST PORT: connect (retrying while refused) and print what the
# server sends, or "closed" / "timeout" / the error.
tcp_read() {
	python3 - "$@" <<'PY'
import socket, sys, time
for i in range(100):
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
        break
    except ConnectionRefusedError:
        time.sleep(0.1)
else:
    print("refused"); sys.exit(0)
s.settimeout(30)
try:
    d = s.recv(100)
    print(d.decode().strip() if d else "closed")
except ConnectionResetError:
    print("closed")
except socket.timeout:
    print("timeout")
PY
}

echo "== private network: an address on the bridge, TCP between host and container"
"$volt" run --rm --name net1 --network private busybox -- /bin/sh -c 'trap "exit 0" TERM; while true; do echo hello over veth | nc -l -p 8080; done' >"$tmp/net.out" 2>&1 &
netpid=$!
wait_for 10 sh -c "[ -n \"\$('$volt' container inspect net1 2>/dev/null)\" ]"
addr=$(address_of net1)
got=$(tcp_read "$addr" 8080)
[ "$got" = "hello over veth" ] || fail "TCP from the host to the container at $addr:8080 gave '$got'"
"$volt" stop -t 2s net1 >/dev/null 2>&1
wait $netpid
expect 0 "default via 10.213.0.1" "$volt" run --rm --network private busybox -- /bin/ip route

echo "== published TCP port, and volt exec into the container that publishes it"
port=$(free_port)
"$volt" run --rm --name pub1 --network private -p "$port:8080" busybox -- \
	/bin/sh -c 'trap "exit 0" TERM; while true; do echo published hello | nc -l -p 8080; done' >"$tmp/pub.out" 2>&1 &
pubpid=$!
got=$(tcp_read 127.0.0.1 "$port")
[ "$got" = "published hello" ] || fail "host port $port did not reach the container (got '$got')"
expect 0 "exec-ok" "$volt" exec pub1 /bin/echo exec-ok
expect 126 "Address already in use" "$volt" run --rm --network private -p "$port:80" busybox -- /bin/true
"$volt" stop -t 2s pub1 >/dev/null 2>&1
wait $pubpid
wait_for 5 sh -c "! python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $port), timeout=1)' 2>/dev/null" ||
	fail "host port $port still open after the container stopped"

echo "== published UDP port (/udp)"
port=$(free_port)
"$volt" run --rm --name udp1 --network private -p "$port:7000/udp" -v "$udpecho:/usr/local/bin/udp-echo:ro" busybox -- \
	/usr/local/bin/udp-echo 7000 >"$tmp/udp.out" 2>&1 &
udppid=$!
got=$(python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
got = "no reply"
for i in range(40):
    s.sendto(b"ping over udp", ("127.0.0.1", int(sys.argv[1])))
    try:
        got = s.recv(100).decode()
        break
    except socket.timeout:
        pass
print(got)
PY
)
[ "$got" = "echo:ping over udp" ] || { fail "UDP to host port $port/udp gave '$got'"; sed 's/^/  | /' "$tmp/udp.out"; }
"$volt" stop -t 2s udp1 >/dev/null 2>&1
wait $udppid

echo "== loopback-only publishing (127.0.0.1:HOSTPORT:PORT)"
port=$(free_port)
"$volt" run --rm --name lo1 --network private -p "127.0.0.1:$port:8080" busybox -- \
	/bin/sh -c 'trap "exit 0" TERM; while true; do echo loopback hello | nc -l -p 8080; done' >"$tmp/lo.out" 2>&1 &
lopid=$!
# What is checked here is the address, not the hold (next section): a
# connection closed because the workload was not listening within the
# 5 s hold (a loaded machine) is tried again.
for attempt in 1 2 3 4 5 6; do
	got=$(tcp_read 127.0.0.1 "$port")
	[ "$got" = closed ] || break
done
[ "$got" = "loopback hello" ] || fail "127.0.0.1:$port did not reach the container (got '$got')"
# 10.213.0.1 is the host's own address on the bridge: not loopback.
python3 -c 'import socket,sys; socket.create_connection(("10.213.0.1", int(sys.argv[1])), timeout=5)' "$port" 2>"$tmp/lo.err"
grep -q "Connection refused" "$tmp/lo.err" ||
	{ fail "a loopback-only port answered (or hung) on 10.213.0.1:$port"; sed 's/^/  | /' "$tmp/lo.err"; }
"$volt" stop -t 2s lo1 >/dev/null 2>&1
wait $lopid

echo "== early connections: held until the workload listens, closed if it never does"
port=$(free_port) port2=$(free_port)
"$volt" run --rm --name early1 --network private -p "$port:8080" -p "$port2:8081" busybox -- \
	/bin/sh -c 'trap "exit 0" TERM; sleep 1; while true; do echo late hello | nc -l -p 8080; done' >"$tmp/early.out" 2>&1 &
earlypid=$!
got=$(tcp_read 127.0.0.1 "$port")
[ "$got" = "late hello" ] || fail "an early connection to $port was not served (got '$got')"
got=$(tcp_read 127.0.0.1 "$port2")
[ "$got" = "closed" ] || fail "a connection to $port2, where nothing listens, gave '$got' (want closed)"
"$volt" stop -t 2s early1 >/dev/null 2>&1
wait $earlypid

echo "== bad -p specs"
expect 1 "host port 0 is outside 1..65535" "$volt" run --rm --network private -p 0:80 busybox -- /bin/true
expect 1 "host port 65536 is outside 1..65535" "$volt" run --rm --network private -p 65536:80 busybox -- /bin/true
expect 1 "container port 70000 is outside 1..65535" "$volt" run --rm --network private -p 8080:70000/udp busybox -- /bin/true
expect 1 "'1.2.3' is not an IPv4 address" "$volt" run --rm --network private -p 1.2.3:80:80 busybox -- /bin/true
expect 1 "'300.1.1.1' is not an IPv4 address" "$volt" run --rm --network private -p 300.1.1.1:80:80 busybox -- /bin/true
expect 1 "protocol 'sctp' is not tcp or udp" "$volt" run --rm --network private -p 80:80/sctp busybox -- /bin/true
expect 1 "is not \[IP:\]HOSTPORT:CONTAINERPORT" "$volt" run --rm --network private -p 80: busybox -- /bin/true
expect 1 "need the private network" "$volt" run --rm -p 8080:80 busybox -- /bin/true
[ -z "$(ls "$tmp/root/containers" 2>/dev/null)" ] || fail "a refused -p left a container: $(ls "$tmp/root/containers")"

finish
