#!/bin/sh
# README's main job: scripts/demo, run with this build's volt and stellarium,
# must end well and show each of its parts, the Debian nginx service among
# them. The Debian tree comes from the tests' cached image (debian-image.sh).
# usage: demo.sh VOLT LAUNCHER SRCDIR STELLARIUM IMAGES_DIR DEMO
. "$(dirname "$0")/lib.sh"
stellarium=$(realpath "$4") images=$(realpath "$5") demo=$(realpath "$6")
# nspawn's veth for the private network needs CAP_NET_ADMIN (capability 12).
if [ $(( $(sed -n 's/^CapEff:\t//p' /proc/self/status | sed 's/^/0x/') >> 12 & 1 )) = 0 ]; then
	echo "SKIP: no CAP_NET_ADMIN here: the demo's nginx runs on a private network"
	exit 77
fi
sh "$src/debian-image.sh" "$tmp/debian.tar" || exit $?
cache=$(ls /var/cache/volt-tests/debian-bookworm-minbase-nginx-light*.tar | tail -1)
mkdir -p "$tmp/cache/debian-bookworm-nginx" "$tmp/bin"
tar -C "$tmp/cache/debian-bookworm-nginx" --numeric-owner -xf "$cache"
echo 'Hello from nginx in a Volt container' >"$tmp/cache/debian-bookworm-nginx/var/www/html/index.html"
ln -s "$volt" "$tmp/bin/volt"
ln -s "$stellarium" "$tmp/bin/stellarium"
port=$(free_port)

PATH="$tmp/bin:$PATH" VOLT_IMAGES_DIR="$images" VOLT_DEMO_CACHE="$tmp/cache" VOLT_DEMO_PORT=$port \
	timeout 300 sh "$demo" >"$tmp/out" 2>&1
rc=$?
sed 's/^/  | /' "$tmp/out"
[ $rc = 0 ] && pass "scripts/demo exited 0" || fail "scripts/demo exited $rc"
for want in 'Hello from a Volt container: uid=0(root)' 'touch: /usr/x: Permission denied' \
	'unshare(0x10000000): Operation not permitted' 'Deduplication:' \
	'tagged debian-nginx' 'Hello from nginx in a Volt container' "127.0.0.1:$port->80/tcp"; do
	grep -qF -- "$want" "$tmp/out" && pass "the demo shows '$want'" || fail "the demo does not show '$want'"
done
left=$(ls "$tmp/root/containers" 2>/dev/null)
[ -z "$left" ] && pass "the demo leaves no container" || fail "the demo left containers: $left"
finish
