# A real OCI registry on loopback for the img tests (sourced; set HERE to
# this directory first).
#
#   registry_start DIR [HTPASSWD]   start Debian's docker-registry with its
#                                   storage and config in DIR on a free port
#                                   of 127.0.0.1 (Basic auth from HTPASSWD
#                                   when given); sets REGISTRY (host:port).
#                                   Exits 77 with "SKIP: reason" when it cannot.
#   registry_stop                   stop every registry started (real and fake);
#                                   call it from the caller's exit trap.
#   registry_push [--all] LAYOUT REPO:TAG
#                                   copy an OCI image layout into it with skopeo
#                                   (--all: every image of an index); with
#                                   $REGISTRY_CREDS (USER:PASSWORD) when set.
#   fake_registry_start DIR LAYOUT MODE
#                                   start fake-registry.py (see there) on a free
#                                   port; sets FAKE (host:port).
#   free_port                       print a free TCP port of 127.0.0.1.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}
REGISTRY_PID=
REGISTRY_PIDS=

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

registry_start() {
	local dir=$1 htpasswd=${2:-} port tries
	[ -x "$REGISTRY_BIN" ] || { echo "SKIP: $REGISTRY_BIN is not installed (Debian package docker-registry)"; exit 77; }
	command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
	mkdir -p "$dir/storage"
	port=$(free_port)
	{
		echo "version: 0.1"
		echo "log:"
		echo "  level: error"
		echo "  accesslog:"
		echo "    disabled: true"
		echo "storage:"
		echo "  filesystem:"
		echo "    rootdirectory: $dir/storage"
		echo "  delete:"
		echo "    enabled: true"
		echo "http:"
		echo "  addr: 127.0.0.1:$port"
		if [ -n "$htpasswd" ]; then
			echo "auth:"
			echo "  htpasswd:"
			echo "    realm: volt-test"
			echo "    path: $htpasswd"
		fi
	} > "$dir/config.yml"
	"$REGISTRY_BIN" serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
	REGISTRY_PID=$!
	REGISTRY_PIDS="$REGISTRY_PIDS $REGISTRY_PID"
	REGISTRY=127.0.0.1:$port
	tries=0
	until python3 - "$port" <<'PY' 2>/dev/null
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://127.0.0.1:%s/v2/" % sys.argv[1], timeout=1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 401 else 1)
PY
	do
		tries=$((tries + 1))
		if ! kill -0 "$REGISTRY_PID" 2>/dev/null || [ $tries -gt 100 ]; then
			echo "SKIP: docker-registry did not start on $REGISTRY:"
			tail -5 "$dir/registry.log"
			kill "$REGISTRY_PID" 2>/dev/null
			exit 77
		fi
		sleep 0.1
	done
}

registry_stop() {
	for p in $REGISTRY_PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $REGISTRY_PIDS; do wait "$p" 2>/dev/null || true; done
	REGISTRY_PIDS= REGISTRY_PID=
	fake_registry_stop_all
}

registry_push() {
	local all=
	[ "$1" = --all ] && { all=--all; shift; }
	command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
	skopeo copy -q $all --dest-tls-verify=false ${REGISTRY_CREDS:+--dest-creds "$REGISTRY_CREDS"} "oci:$1" "docker://$REGISTRY/$2" </dev/null
}

FAKE_PIDS=

fake_registry_start() {
	local dir=$1 layout=$2 mode=$3 tries=0
	rm -f "$dir/port"
	python3 "${HERE:?set HERE to tests/img}/fake-registry.py" "$layout" "$dir/port" "$mode" &
	FAKE_PIDS="$FAKE_PIDS $!"
	until [ -s "$dir/port" ]; do
		tries=$((tries + 1))
		[ $tries -le 100 ] || { echo "FAIL: fake registry did not start"; exit 1; }
		sleep 0.05
	done
	FAKE=127.0.0.1:$(cat "$dir/port")
}

fake_registry_stop_all() {
	for p in $FAKE_PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $FAKE_PIDS; do wait "$p" 2>/dev/null || true; done
	FAKE_PIDS=
}
