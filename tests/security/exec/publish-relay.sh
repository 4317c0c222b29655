#!/bin/sh
# Weakness: the -p relay forked one root process per connection, outside
# the container's limits, and listened on every address. Flood a
# published port: the relay must stay one process, close connections
# beyond its bound (1024), serve again once others have closed; and
# -p IP:HOSTPORT:PORT must listen on IP only.
# usage: publish-relay.sh VOLT LAUNCHER PROBE SRCDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
# nspawn makes the veth pair on the host: CAP_NET_ADMIN.
have_net_admin || { echo "SKIP: no CAP_NET_ADMIN here (nspawn cannot make the veth pair)"; exit 77; }
# Ports the kernel says are free now (the machine may run other tests).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])'; }
port=$(free_port)

"$volt" run --name pub --network private -p "$port:8080" --pids-limit 50 --rootfs "$tmp/image" \
	-v "$probe:$probe_in:ro" -- "$probe_in" serve 8080 >"$tmp/pub.out" 2>&1 &
bg_pids="$bg_pids $!"
wait_for 20 python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); sys.exit(s.recv(3) != b"hi\n")' "$port" ||
	{ fail "the published port does not answer:"; sed 's/^/  | /' "$tmp/pub.out"; finish; exit 1; }

echo "== 300 connections at once"
# While the 300 are open: the processes running the launcher's binary (the relay).
python3 "$src/flood.py" "$port" 300 sh "$src/relays.sh" "$launcher" >"$tmp/flood" 2>&1
grep -v '^[0-9]' "$tmp/flood" | sed 's/^/  | /'
n=$(awk '/^[0-9]/ {n += $2} END {print n + 0}' "$tmp/flood")
echo "  relay processes and threads: $n"
grep -q "^greeted: 300" "$tmp/flood" || fail "not every one of 300 connections was served"
[ "$n" = 1 ] || fail "the relay has $n processes and threads for 300 connections (want 1)"
# Not host root: the container's nobody (524288 + 65534).
uids=$(grep '^[0-9]' "$tmp/flood" | cut -d' ' -f4 | sort -u)
[ "$uids" = 589822 ] || fail "the relay runs as host uid $uids (want 589822, the container's nobody)"
grep -q "^again: hi" "$tmp/flood" || fail "the relay does not serve a new connection after 300 closed"

echo "== beyond the bound: 1100 connections"
python3 "$src/flood.py" "$port" 1100 >"$tmp/flood" 2>&1
sed 's/^/  | /' "$tmp/flood"
greeted=$(sed -n 's/^greeted: //p' "$tmp/flood")
if ! { [ -n "$greeted" ] && [ "$greeted" -le 1024 ] && [ "$greeted" -gt 0 ]; }; then
	fail "the relay served $greeted of 1100 connections at once (bound: 1024)"
fi
grep -q "^again: hi" "$tmp/flood" || fail "the relay does not serve a new connection after the flood"

echo "== -p IP:HOSTPORT:PORT"
port2=$(free_port) port3=$(free_port)
"$volt" run --name bound --network private -p "127.0.0.1:$port2:8080" -p "$port3:8080" --rootfs "$tmp/image" \
	-v "$probe:$probe_in:ro" -- "$probe_in" serve 8080 >"$tmp/bound.out" 2>&1 &
bg_pids="$bg_pids $!"
wait_for 20 python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); sys.exit(s.recv(3) != b"hi\n")' "$port2" ||
	{ fail "-p 127.0.0.1:$port2:8080 does not answer on 127.0.0.1:"; sed 's/^/  | /' "$tmp/bound.out"; }
# Listening sockets (state 0A) of /proc/net/tcp, as ADDR:PORT in hex.
listening() { awk -v p="$(printf ':%04X' "$1")" '$4 == "0A" && substr($2, 9) == p {print $2}' /proc/net/tcp; }
[ "$(listening "$port2")" = "$(printf '0100007F:%04X' "$port2")" ] ||
	fail "-p 127.0.0.1:$port2:8080 listens on '$(listening "$port2")' (want 127.0.0.1 only)"
[ "$(listening "$port3")" = "$(printf '00000000:%04X' "$port3")" ] ||
	fail "-p $port3:8080 listens on '$(listening "$port3")' (want 0.0.0.0)"
expect 1 "is not an IPv4 address" "$volt" container create badip --network private -p "1.2.3:$port2:80" --rootfs "$tmp/image"
finish
