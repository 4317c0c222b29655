#!/bin/sh
# volt run of imported images, in the foreground against the real kernel and
# systemd-nspawn: a file from a lower layer is there, a whiteout-deleted one
# is not, and the image config's Entrypoint, Cmd, Env, WorkingDir and User
# apply, with the command line winning as in Docker.
# usage: run.sh VOLT LAUNCHER SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/volt-img-run-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/rootfs" || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=../ctr/checks.sh
. "$src/../ctr/checks.sh"

cat >"$tmp/spec.json" <<JSON
{"name": "demo:1.0",
 "config": {"Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["echo \"GREETING=\$GREETING PWD=\$(pwd) UID=\$(id -u)\"; cat /etc/lower.txt; cat /etc/gone.txt 2>&1; ls /srv/app"],
            "Env": ["GREETING=hello from the image", "PATH=/usr/bin:/bin"],
            "WorkingDir": "/srv/app", "User": "user", "ExposedPorts": {"8080/tcp": {}}},
 "layers": [
  {"compression": "gzip", "entries": [
     {"path": "", "type": "tree", "source": "$tmp/rootfs"},
     {"path": "etc/lower.txt", "type": "file", "content": "from the lower layer\n"},
     {"path": "etc/gone.txt", "type": "file", "content": "should be deleted\n"}]},
  {"compression": "gzip", "entries": [
     {"path": "etc", "type": "dir"},
     {"path": "etc/.wh.gone.txt", "type": "whiteout"},
     {"path": "srv", "type": "dir"}, {"path": "srv/app", "type": "dir", "mode": 511},
     {"path": "srv/app/upper.txt", "type": "file", "content": "upper\n"}]}]}
JSON
python3 "$src/oci-layout.py" "$tmp/spec.json" "$tmp/layout" >/dev/null || { echo "FAIL: oci-layout.py"; exit 1; }
skopeo copy -q "oci:$tmp/layout:demo:1.0" "docker-archive:$tmp/demo.tar:demo:1.0" || { echo "FAIL: skopeo"; exit 1; }

echo "== import the docker-archive, run it with the image's config"
expect 0 "imported docker.io/library/demo:1.0" "$volt" image import "$tmp/demo.tar"
expect 0 "GREETING=hello from the image PWD=/srv/app UID=1000" "$volt" run --rm demo:1.0
grep -q "^from the lower layer$" "$tmp/out" || fail "the lower layer's file is missing: $(cat "$tmp/out")"
grep -q "No such file" "$tmp/out" || fail "the whiteout-deleted file is there: $(cat "$tmp/out")"
grep -q "should be deleted" "$tmp/out" && fail "the whiteout-deleted file's content was printed"
grep -q "^upper.txt$" "$tmp/out" || fail "the upper layer's file is missing"

echo "== the command line wins: CMD replaces Cmd, -e, -w and -u override"
expect 0 "^replaced: hello from the image$" "$volt" run --rm demo:1.0 -- 'echo "replaced: $GREETING"'
expect 0 "^override /tmp 0$" "$volt" run --rm -e GREETING=override -w /tmp -u root demo:1.0 -- \
	'echo "$GREETING $(pwd) $(id -u)"'

echo "== container create records what came from the image"
expect 0 "" "$volt" container create c1 --image demo:1.0
expect 0 '"8080/tcp"' "$volt" container inspect c1
python3 - "$tmp/out" <<'PY' || fail "container c1 does not record its image config"
import json, sys
c = json.load(open(sys.argv[1]))["config"]
assert c["image"] == "docker.io/library/demo:1.0", c["image"]
ic = c["image_config"]
assert ic["entrypoint"] == ["/bin/sh", "-c"] and ic["working_dir"] == "/srv/app" and ic["user"] == "user", ic
assert c["argv"][:2] == ["/bin/sh", "-c"] and c["workdir"] == "/srv/app", c
PY
expect 0 "" "$volt" rm c1

echo "== an unknown image is a clear error; refs still work"
expect 1 "no image" "$volt" run --rm nosuch:image -- true
expect 0 "^busybox still works$" "$volt" run --rm busybox -- /bin/echo busybox still works
finish
