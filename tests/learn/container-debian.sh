#!/bin/sh
# Learn mode on a real Debian image: nginx (its master chowns
# /var/lib/nginx/body and its workers drop to www-data) learned with
# `volt run --learn --attach` on the host network, stopped by Ctrl-C; then
# it serves again under the attached policy, keeping only the
# capabilities it used, and is denied what the learned run never did
# (/etc/shadow, another port, another program), seen from inside.
# Usage: container-debian.sh VOLT LAUNCHER IMAGE_SCRIPT
VOLT=$1 LAUNCHER=$2 image_script=$3
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn (systemd-container) is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
case $LAUNCHER in /*) ;; *) LAUNCHER=$PWD/$LAUNCHER ;; esac
export VOLT_CTR_LAUNCHER="$LAUNCHER" VOLT_ROOT="$T/root"
sh "$image_script" "$T/debian.tar"
rc=$?
[ $rc -eq 0 ] || exit $rc
"$VOLT" image import "$T/debian.tar" --name debian-learn:test >"$T/import.out" 2>&1 || { cat "$T/import.out"; not_ok "volt image import"; finish; exit 1; }
img=debian-learn:test
port=$(free_port)
pol=$T/nginx.json
serve="sed -i 's/listen 80 default_server;/listen $port default_server;/; /listen \\[::\\]:80/d' /etc/nginx/sites-available/default &&
	echo volt-learned-nginx >/var/www/html/index.html && exec nginx -g 'daemon off;'"

get() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1" 2>/dev/null; }
wait_for() {
	i=0
	while [ $i -lt 300 ]; do
		get "$1" >"$T/got" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

(exec setsid env --default-signal=INT "$VOLT" run --rm --network host --learn="$pol" --attach "$img" /bin/sh -c "$serve") \
	>"$T/learn.out" 2>"$T/learn.err" </dev/null &
vpid=$!
cleanup_hooks="kill -KILL -$vpid 2>/dev/null;"
if wait_for "http://127.0.0.1:$port/" $vpid && grep -q volt-learned-nginx "$T/got"; then
	ok "nginx serves while learned"; else not_ok "nginx serves while learned"; cat "$T/learn.err"; fi
kill -INT -"$vpid"
i=0
while kill -0 "$vpid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -"$vpid" 2>/dev/null
wait "$vpid"
rc=$?
check "volt run --learn exits 0 after Ctrl-C (rc $rc)" test $rc -eq 0
grep -q "attached the policy" "$T/learn.err" && ok "the policy was attached" || { not_ok "the policy was attached"; cat "$T/learn.err"; }
check_policy_shape "$pol"
# setuid/setgid (workers), chown (/var/lib/nginx/body), DAC_OVERRIDE (www-data's 0640 logs): and nothing else.
check "the master's capabilities are learned, and only those" python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["capabilities"]; sys.exit(0 if set(c) == {"CAP_SETUID","CAP_SETGID","CAP_CHOWN","CAP_DAC_OVERRIDE"} else 1)' "$pol"

(exec setsid "$VOLT" run --name again --network host "$img" /bin/sh -c "$serve") >"$T/run.out" 2>"$T/run.err" </dev/null &
spid=$!
cleanup_hooks="kill -KILL -$spid 2>/dev/null;"
if wait_for "http://127.0.0.1:$port/" $spid && grep -q volt-learned-nginx "$T/got"; then
	ok "nginx serves under the image's attached policy"; else not_ok "nginx serves under the image's attached policy"; cat "$T/run.err"; fi
check "its workers still drop to www-data" pgrep -u $((524288 + 33)) -x nginx
"$VOLT" stop -t 2s again >/dev/null 2>&1
wait "$spid" 2>/dev/null
"$VOLT" rm --force again >/dev/null 2>&1

# With the programs the learned run executed (sh, sed, nginx): others are not executable at all.
expect_refused "/etc/shadow is refused" "$VOLT" run --rm "$img" /bin/sh -c 'read x </etc/shadow && echo read it'
other=$(free_port 1)
expect_refused "another port is refused" "$VOLT" run --rm --network host "$img" /bin/sh -c \
	"sed -i 's/listen $port default_server;/listen $other default_server;/' /etc/nginx/sites-available/default 2>/dev/null;
	sed -i 's/listen 80 default_server;/listen $other default_server;/; /listen \\[::\\]:80/d' /etc/nginx/sites-available/default &&
	exec nginx -g 'daemon off;'"
expect_refused "a program the learned run never executed is refused" sh -c '"$1" run --rm "$2" /usr/bin/cat /etc/hostname; echo "Permission denied? rc $?" >&2; exit 1' sh "$VOLT" "$img"
check "control: --policy default reads /etc/shadow (the image's own)" sh -c '"$1" run --rm --policy default "$2" cat /etc/shadow | grep -q "^root:"' sh "$VOLT" "$img"
finish
