#!/bin/sh
# A real Debian image (debootstrap, imported as a docker-archive) under the
# default container policy: nginx serving a page on the host network and
# on port 80 of a private one through -p (its master chowns
# /var/lib/nginx/body and its workers drop to www-data), a python service
# keeping sqlite under /var/lib/app, reading /root, writing /etc, chown to
# www-data, su to www-data; while mount, unshare, device nodes and writes
# to the system trees stay denied.
# usage: debian-services.sh VOLT LAUNCHER SRCDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

sh "$src/debian-image.sh" "$tmp/debian.tar"
rc=$?
[ $rc = 0 ] || exit $rc
"$volt" image import "$tmp/debian.tar" --name debian-svc:test >"$tmp/import.out" 2>&1 ||
	{ cat "$tmp/import.out"; fail "volt image import"; finish; exit 1; }
img=debian-svc:test

echo "== nginx on the host network (port 80 needs the host's netns: a high port)"
port=$(free_port)
"$volt" run --name web --network host "$img" -- /bin/sh -c "
	sed -i 's/listen 80 default_server;/listen $port default_server;/; /listen \[::\]:80/d' /etc/nginx/sites-available/default &&
	echo volt-nginx-page >/var/www/html/index.html && exec nginx -g 'daemon off;'" >"$tmp/web.out" 2>&1 &
bg_pids="$bg_pids $!"
if body=$(fetch "http://127.0.0.1:$port/") && [ "$body" = volt-nginx-page ]; then
	pass "nginx served the page"
else
	sed 's/^/  | /' "$tmp/web.out"
	fail "nginx did not serve the page (got '${body:-}')"
fi
# The workers run as the container's www-data (uid 33): host uid 524288 + 33.
if pgrep -u $((524288 + 33)) -x nginx >/dev/null; then
	pass "nginx's workers dropped to www-data"
else
	fail "no nginx worker runs as the container's www-data"
fi
"$volt" stop -t 2s web >/dev/null 2>&1

echo "== nginx on port 80 of a private network, published with -p (CAP_NET_BIND_SERVICE in its own netns)"
# A private network needs CAP_NET_ADMIN (capability 12) for nspawn's veth.
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
if [ $(( (0x$capeff >> 12) & 1 )) != 1 ]; then
	echo "  NOTE: no CAP_NET_ADMIN here: nginx through -p on a private network is not tested"
else
port=$(free_port)
"$volt" run --name web80 --network private -p "$port:80" "$img" -- /bin/sh -c "
	echo volt-nginx-80 >/var/www/html/index.html && exec nginx -g 'daemon off;'" >"$tmp/web80.out" 2>&1 &
bg_pids="$bg_pids $!"
if body=$(fetch "http://127.0.0.1:$port/") && [ "$body" = volt-nginx-80 ]; then
	pass "nginx served port 80 through -p"
else
	sed 's/^/  | /' "$tmp/web80.out"
	fail "nginx on port 80 did not serve through -p (got '${body:-}')"
fi
"$volt" stop -t 2s web80 >/dev/null 2>&1
fi

echo "== a python service keeping sqlite under /var/lib/app"
port=$(free_port)
cat >"$tmp/svc.py" <<PY
import http.server, os, sqlite3
os.makedirs("/var/lib/app", exist_ok=True)
db = sqlite3.connect("/var/lib/app/hits.db")
db.execute("create table if not exists hits (n integer)")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        db.execute("insert into hits values (1)"); db.commit()
        n = db.execute("select count(*) from hits").fetchone()[0]
        self.send_response(200); self.end_headers(); self.wfile.write(b"hits %d\n" % n)
http.server.HTTPServer(("127.0.0.1", $port), H).serve_forever()
PY
"$volt" run --name svc --network host -v "$tmp/svc.py:/srv/svc.py:ro" "$img" -- /usr/bin/python3 /srv/svc.py \
	>"$tmp/svc.out" 2>&1 &
bg_pids="$bg_pids $!"
fetch "http://127.0.0.1:$port/" >/dev/null
if body=$(fetch "http://127.0.0.1:$port/") && [ "$body" = "hits 2" ]; then
	pass "the python service keeps its sqlite database"
else
	sed 's/^/  | /' "$tmp/svc.out"
	fail "the python service did not answer 'hits 2' (got '${body:-}')"
fi
"$volt" stop -t 2s svc >/dev/null 2>&1

echo "== ordinary programs, and the denials that stay"
"$volt" run --rm "$img" -- /bin/sh -c '
	ls /usr /var /etc /root /home >/dev/null && echo LIST ok
	head -1 /root/.bashrc >/dev/null && echo ROOT-READ ok
	echo x >/root/note && echo ROOT-WRITE ok
	echo x >/etc/volt-test && echo ETC-WRITE ok
	mkdir -p /var/cache/t /var/log/t /var/spool/t /srv/t /home/t && echo VAR-WRITE ok
	touch /var/lib/owned && chown www-data:www-data /var/lib/owned && [ "$(stat -c %U /var/lib/owned)" = www-data ] &&
		echo CHOWN ok
	[ "$(su -s /bin/sh -c "id -un" www-data)" = www-data ] && echo SU ok
	sed -n "s/^CapEff:[[:space:]]*/CAPEFF /p" /proc/self/status
	touch /usr/pwned 2>/dev/null || echo USR denied
	touch /bin/pwned 2>/dev/null || echo BIN denied
	touch /lib/pwned 2>/dev/null || echo LIB denied
	mount -t tmpfs none /mnt 2>/dev/null || echo MOUNT denied
	unshare -m true 2>/dev/null || echo UNSHARE denied
	unshare -U true 2>/dev/null || echo USERNS denied
	mknod /tmp/null c 1 3 2>/dev/null || echo MKNOD denied
' >"$tmp/checks.out" 2>&1
sed 's/^/  | /' "$tmp/checks.out"
for w in "LIST ok" "ROOT-READ ok" "ROOT-WRITE ok" "ETC-WRITE ok" "VAR-WRITE ok" "CHOWN ok" "SU ok" \
	"USR denied" "BIN denied" "LIB denied" "MOUNT denied" "UNSHARE denied" "USERNS denied" "MKNOD denied"; do
	if grep -qx "$w" "$tmp/checks.out"; then pass "$w"; else fail "expected '$w'"; fi
done
# Only the service-setup capabilities: never SYS_ADMIN (21), MKNOD (27), NET_ADMIN (12), SYS_PTRACE (19), NET_RAW (13).
capeff=$(sed -n 's/^CAPEFF //p' "$tmp/checks.out")
if [ -n "$capeff" ] && [ $((0x$capeff & ((1 << 21) | (1 << 27) | (1 << 12) | (1 << 19) | (1 << 13)))) = 0 ] &&
	[ $((0x$capeff & 1)) = 1 ]; then
	pass "capabilities $capeff: CHOWN and no SYS_ADMIN, MKNOD, NET_ADMIN, SYS_PTRACE, NET_RAW"
else
	fail "capabilities '$capeff'"
fi
echo "== a non-root user gets no capabilities"
out=$("$volt" run --rm -u www-data "$img" -- /bin/sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status 2>&1)
[ "$out" = 0000000000000000 ] && pass "www-data: CapEff 0" || fail "www-data has capabilities: $out"
finish
