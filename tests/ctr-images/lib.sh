# Sourced by the tests of this directory: arguments, scratch space, checks.
# usage of a test: TEST.sh VOLT LAUNCHER SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$(realpath "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
tmp=$(mktemp -d /var/tmp/volt-ctr-images-XXXXXX)
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
failures=0
bg_pids=""
cleanup() {
	for c in "$tmp/root/containers"/*; do
		[ -d "$c" ] && "$volt" stop -t 1s "${c##*/}" >/dev/null 2>&1
	done
	for p in $bg_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
finish() {
	echo "$failures failure(s)"
	[ "$failures" = 0 ]
}
# A TCP port nobody listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# fetch URL: the body, or nothing; retried until the server is up (20 s at most).
fetch() {
	python3 - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().strip())
        sys.exit(0)
    except Exception as e:
        err = e
        time.sleep(0.2)
print("fetch %s: %s" % (sys.argv[1], err), file=sys.stderr)
sys.exit(1)
PY
}
