#!/bin/sh
# Private networks reach out, and each other: outbound TCP through the
# host's NAT to a listener in another network namespace standing in for
# the internet (no traffic leaves the machine), DNS through the resolver
# given with --dns and through the host's own when it is reachable, a
# clear "no DNS" when the host's resolver is loopback-only, two containers
# talking over the bridge, and nothing left behind (bridge, veth, nft
# table, ip_forward) after the last one, also when it had limits (a
# foreground run's own cgroups, emptied with SIGKILL when it ends).
# usage: network-outbound.sh VOLT LAUNCHER SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$3
tmp=$(mktemp -d /tmp/volt-ctr-out-XXXXXX)
ns=volt-inet-$$ hv=vxh$$ nv=vxn$$
cleanup() {
	[ -n "${dnspid:-}" ] && kill "$dnspid" 2>/dev/null
	[ -n "${tcppid:-}" ] && kill "$tcppid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "$hv" 2>/dev/null
	ip route del 198.51.100.0/24 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=checks.sh
. "$src/checks.sh"
need_private_network
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
command -v nft >/dev/null || { echo "SKIP: nft (package nftables) is not installed"; exit 77; }
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
forward_before=$(cat /proc/sys/net/ipv4/ip_forward)

# "The internet": 198.51.100.2 (TEST-NET-2) in a namespace of its own,
# behind a veth whose host end is 198.51.100.1. Nothing routes further.
ip netns add "$ns" || { echo "FAIL: ip netns add"; exit 1; }
ip link add "$hv" type veth peer name "$nv" netns "$ns"
ip addr add 198.51.100.1/24 dev "$hv"
ip link set "$hv" up
ip -n "$ns" addr add 198.51.100.2/24 dev "$nv"
ip -n "$ns" link set "$nv" up
ip -n "$ns" link set lo up
# The listener says whom it saw: the host's address if NAT did its job.
ip netns exec "$ns" python3 -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.2", 8081)); s.listen(8)
while True:
    c, peer = s.accept(); c.sendall(("internet saw %s\n" % peer[0]).encode()); c.close()' &
tcppid=$!
ip netns exec "$ns" python3 "$src/dns.py" serve 198.51.100.2 53 outside.test 203.0.113.7 &
dnspid=$!
wait_for 10 ip netns exec "$ns" python3 "$src/dns.py" query 198.51.100.2 53 outside.test ||
	fail "the DNS responder in $ns did not start"

echo "== outbound TCP through NAT, DNS through --dns"
expect 0 "internet saw 198.51.100.1" "$volt" run --rm --network private busybox -- \
	/bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do nc -w 5 198.51.100.2 8081 </dev/null && exit 0; sleep 0.3; done; exit 1'
expect 0 "203.0.113.7" "$volt" run --rm --network private --dns 198.51.100.2 busybox -- nslookup outside.test
expect 0 "nameserver 198.51.100.2" "$volt" run --rm --network private --dns 198.51.100.2 busybox -- cat /etc/resolv.conf

echo "== DNS through the host's servers, when the container can reach them"
printf 'search example.internal\nnameserver 127.0.0.53\nnameserver 198.51.100.2\n' >"$tmp/host-resolv"
VOLT_HOST_RESOLV_CONF="$tmp/host-resolv" expect 0 "203.0.113.7" "$volt" run --rm --network private busybox -- nslookup outside.test
VOLT_HOST_RESOLV_CONF="$tmp/host-resolv" expect 0 "" "$volt" run --rm --network private busybox -- cat /etc/resolv.conf
grep -q 127.0.0.53 "$tmp/out" && fail "the host's loopback resolver reached the container's resolv.conf"

echo "== a loopback-only host resolver: a warning, and lookups fail at once"
printf 'nameserver 127.0.0.53\n' >"$tmp/host-resolv"
VOLT_HOST_RESOLV_CONF="$tmp/host-resolv" expect 0 "the container has no DNS (give --dns IP)" \
	"$volt" run --rm --network private busybox -- /bin/sh -c 'grep nameserver /etc/resolv.conf; true'
grep -q "^nameserver" "$tmp/out" && fail "resolv.conf names a server the container cannot reach"
expect 2 "is not an IPv4 address" "$volt" run --rm --network private --dns 1.2.3 busybox -- true
expect 2 "needs --network private" "$volt" run --rm --dns 198.51.100.2 busybox -- true
expect 1 "loopback address" "$volt" run --rm --network private --dns 127.0.0.53 busybox -- true

echo "== two containers talk over the bridge"
"$volt" run --rm --name peer-a --network private busybox -- \
	/bin/sh -c 'trap "exit 0" TERM; while true; do echo hello from a | nc -l -p 9000; done' >"$tmp/a.out" 2>&1 &
apid=$!
addr=
wait_for 10 sh -c "'$volt' container inspect peer-a >'$tmp/inspect' 2>/dev/null"
addr=$(python3 -c 'import json,sys
i = json.load(open(sys.argv[1]))["config"]["network_index"]
print("10.213.%d.%d" % ((i * 4) >> 8 & 255, (i * 4 & 255) + 2))' "$tmp/inspect")
expect 0 "hello from a" "$volt" run --rm --network private busybox -- \
	/bin/sh -c "for i in \$(seq 30); do nc -w 2 $addr 9000 </dev/null && exit 0; sleep 0.2; done; exit 1"
[ -e /sys/class/net/volt0/bridge ] || fail "no bridge volt0 while containers run"
"$volt" stop -t 2s peer-a >/dev/null 2>&1
wait $apid

# With a limit, a foreground run has cgroups of its own, emptied with
# SIGKILL once it ends: the teardown must still happen.
expect 0 "" "$volt" run --rm --network private -m 64M busybox -- /bin/true

echo "== the last container gone: no bridge, no veth, no table"
wait_for 15 sh -c '! ip link show volt0' || fail "bridge volt0 is still there after the last container"
ip -o link | grep -q ' volt[0-9]' && { fail "a volt veth is left:"; ip -o link | grep ' volt[0-9]'; }
nft list table inet volt >/dev/null 2>&1 && fail "nft table inet volt is still there"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$forward_before" ] ||
	fail "ip_forward is $(cat /proc/sys/net/ipv4/ip_forward), was $forward_before"

finish
