#!/bin/sh
# volt ps as Docker users type it: -a, -q, --format, the IP and PORTS
# columns; top-level create/inspect/start. Real containers (root, nspawn).
# usage: ps.sh VOLT LAUNCHER SRCDIR
set -u
# shellcheck source=containers.sh
. "$(dirname "$0")/containers.sh"

echo "== containers in three states, one with a private network and ports"
"$volt" container create web --image busybox --network private -p 127.0.0.1:18080:80 -p 18443:443 -- \
	/bin/sh -c 'exit 0' >/dev/null || fail "create web"
"$volt" container create quiet --image busybox -- /bin/true >/dev/null || fail "create quiet"
"$volt" container create done5 --image busybox -- /bin/sh -c 'exit 5' >/dev/null || fail "create done5"
"$volt" container create hostnet --image busybox --network host -- /bin/true >/dev/null || fail "create hostnet"
"$volt" container run done5 >/dev/null 2>&1
# The top-level create is volt container create.
expect 0 "^top$" "$volt" create top --image busybox -- /bin/true
expect 0 '"name": "top"' "$volt" inspect top

echo "== -q: the names, one a line"
"$volt" ps -q >"$tmp/names" 2>&1 || fail "ps -q exited $?: $(cat "$tmp/names")"
printf 'done5\nhostnet\nquiet\ntop\nweb\n' | diff - "$tmp/names" >/dev/null || fail "ps -q printed: $(cat "$tmp/names")"
"$volt" ps -a -q >"$tmp/names2" 2>&1 || fail "ps -a -q exited $?"
cmp -s "$tmp/names" "$tmp/names2" || fail "ps -a -q differs from ps -q (both list every container)"
"$volt" ps -aq >"$tmp/names2" 2>&1 && cmp -s "$tmp/names" "$tmp/names2" || fail "ps -aq: $(cat "$tmp/names2")"
# Nothing runs now: --running lists nothing.
expect 0 "" "$volt" ps -q --running
[ -s "$tmp/out" ] && fail "ps --running listed stopped containers: $(cat "$tmp/out")"

echo "== --format"
expect 0 "^web created$" "$volt" ps --format '{{.Name}} {{.State}}'
expect 0 "^quiet created -$" "$volt" ps --format '{{ .Name }} {{.State}} {{.ExitCode}}'
expect 0 "^quiet	created	no$" "$volt" ps --format '{{.Name}}\t{{.Status}}\t{{.Unit}}'
expect 0 "^web 127.0.0.1:18080->80/tcp, 0.0.0.0:18443->443/tcp$" "$volt" ps --format '{{.Name}} {{.Ports}}'
expect 0 "^web 10\.213\.[0-9]*\.[0-9]*$" "$volt" ps --format '{{.Name}} {{.IP}}'
expect 0 "^hostnet host$" "$volt" ps --format '{{.Name}} {{.IP}}'
expect 0 "^quiet -$" "$volt" ps --format '{{.Name}} {{.IP}}'
expect 2 "unknown field 'Nmae' (did you mean 'Name'?)" "$volt" ps --format '{{.Nmae}}'
expect 2 "give one of" "$volt" ps -q --json

echo "== the table: IP and PORTS columns"
expect 0 "^NAME .* IP  *PORTS$" "$volt" ps
grep -q "^web .*created .* 10\.213\.[0-9.]*  *127.0.0.1:18080->80/tcp, 0.0.0.0:18443->443/tcp$" "$tmp/out" ||
	fail "ps: no IP and PORTS for web:$(sed 's/^/  | /' "$tmp/out")"
# The address is the one the container really has.
ip=$("$volt" ps --format '{{.Name}} {{.IP}}' | sed -n 's/^web //p')
# Running on a private network needs CAP_NET_ADMIN (capability 12) for nspawn's veth.
if ! have_net_admin; then
	echo "  NOTE: no CAP_NET_ADMIN here: the address inside a running container is not compared"
else
"$volt" run --name web2 --network private busybox -- /bin/sh -c \
	'ip -4 -o addr show host0 2>/dev/null || ifconfig host0' >"$tmp/addr" 2>&1 || fail "run web2: $(cat "$tmp/addr")"
ip2=$("$volt" ps --format '{{.Name}} {{.IP}}' | sed -n 's/^web2 //p')
[ -n "$ip2" ] && [ "$ip2" != "$ip" ] && grep -q "$ip2[/ ]" "$tmp/addr" ||
	fail "ps says web2 is '$ip2' (web: $ip), inside it is: $(cat "$tmp/addr")"
fi
expect 0 '"ip": "10\.213\.' "$volt" ps --json
expect 0 '"ports": "127.0.0.1:18080->80/tcp' "$volt" ps --json

echo "== top-level start and restart are volt container's"
# Without systemd these fail as volt container start does, never as an unknown command.
for verb in start restart; do
	"$volt" "$verb" quiet >"$tmp/out" 2>&1
	rc=$?
	"$volt" container "$verb" quiet >"$tmp/out2" 2>&1
	rc2=$?
	[ "$rc" = "$rc2" ] && [ "$rc" != 2 ] && cmp -s "$tmp/out" "$tmp/out2" ||
		fail "volt $verb quiet exited $rc ($(cat "$tmp/out")), volt container $verb quiet $rc2 ($(cat "$tmp/out2"))"
done
"$volt" container stop quiet >/dev/null 2>&1
"$volt" rm -f web web2 quiet done5 hostnet top >/dev/null 2>&1
finish
