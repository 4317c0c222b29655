#!/bin/sh
# stellarium push and pull as a pack artifact through a real registry on
# loopback: the registry holds pack blobs and one index (no blob per
# block), a pull into an empty store is complete, a second push after a
# ~1 % change sends a small fraction of the first's bytes, a registry that
# ignores Range still works (whole packs), a short Range answer and a
# flipped byte in a pack blob are refused with nothing left in the store,
# and an artifact in the old one-blob-per-block layout (pushed by OLD, a
# stellarium before packs, when given) is still pulled. An image pulled by
# volt image pull, pushed by stellarium and pulled into an empty store
# keeps its image record: volt run starts it there.
# Usage: test-registry-packs.sh STELLARIUM VOLT LAUNCHER [OLD_STELLARIUM]
set -eu
ST=$1
VOLT=$2
LAUNCHER=$3
OLD=${4:-}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/registry.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-img-packs-XXXXXX")
trap 'registry_stop; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
A="$ST --root $T/a"

proxy_start() { # MODE: sets PROXY
	rm -f "$T/proxy.port"
	python3 "$HERE/range-proxy.py" "$T/proxy.port" "$REGISTRY" "$1" "$T/proxy-$1.log" &
	FAKE_PIDS="$FAKE_PIDS $!"
	tries=0
	until [ -s "$T/proxy.port" ]; do
		tries=$((tries + 1))
		[ $tries -le 100 ] || fail "proxy did not start"
		sleep 0.05
	done
	PROXY=127.0.0.1:$(cat "$T/proxy.port")
}
# Nothing of a failed pull may be visible in STORE: no ref, no published pack.
assert_clean() {
	[ -z "$($ST --root "$1" refs 2>/dev/null)" ] || fail "$2: a failed pull left a ref"
	[ -z "$(find "$1" -name '*.idx' 2>/dev/null)" ] || fail "$2: a failed pull published a pack"
}
blob_bytes() { find "$T/reg/storage" -path '*/blobs/sha256/*/data' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

registry_start "$T/reg"

# 200 files: text (compressible) and random, about 6 MiB.
mkdir -p "$T/src/text" "$T/src/bin"
python3 - "$T/src" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(7)
words = [("w%d" % i) for i in range(2000)]
for i in range(150):
    with open(os.path.join(root, "text", "f%03d.txt" % i), "w") as f:
        f.write(" ".join(rnd.choice(words) for _ in range(rnd.randint(500, 6000))))
for i in range(50):
    with open(os.path.join(root, "bin", "b%02d" % i), "wb") as f:
        f.write(rnd.randbytes(rnd.randint(10000, 80000)))
PY
$A import --tag os "$T/src" >/dev/null 2>&1
raw=$(du -sb "$T/src" | cut -f1)

out=$($A --json push os "$REGISTRY/volt/packs:v1") || fail "push: $out"
blocks=$(echo "$out" | json 'd["blocks"]')
sent1=$(echo "$out" | json 'd["bytes_sent"]')
[ "$(echo "$out" | json 'd["blocks_sent"]')" = "$blocks" ] || fail "first push sends every block ($out)"
# The artifact: an index and a few packs, far fewer layers than blocks.
python3 - "$REGISTRY" "$blocks" <<'PY' || fail "the artifact is not a pack artifact"
import json, sys, urllib.request
reg, blocks = sys.argv[1], int(sys.argv[2])
req = urllib.request.Request("http://%s/v2/volt/packs/manifests/v1" % reg,
                             headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
m = json.load(urllib.request.urlopen(req))
assert m["artifactType"] == "application/vnd.volt.stellarium.packs.v1", m["artifactType"]
types = [l["mediaType"] for l in m["layers"]]
assert types[0] == "application/vnd.volt.stellarium.packs.index.v1", types
assert all(t == "application/vnd.volt.stellarium.pack.v1" for t in types[1:]), types
assert 2 <= len(types) < blocks / 10, (len(types), blocks)
PY
stored=$(blob_bytes)
echo "raw $raw bytes, $blocks blocks, first push sent $sent1 bytes, registry holds $stored"
[ "$stored" -lt "$raw" ] || fail "the registry holds the blocks uncompressed ($stored >= $raw)"

out=$($ST --root "$T/b" --json pull --tag os "$REGISTRY/volt/packs:v1") || fail "pull: $out"
[ "$(echo "$out" | json 'd["blocks_fetched"]')" = "$blocks" ] || fail "pull into an empty store fetches every block ($out)"
$ST --root "$T/b" fsck >/dev/null || fail "fsck after pull"
$ST --root "$T/b" checkout os "$T/out-b"
diff -r "$T/src" "$T/out-b" >/dev/null || fail "checkout after pull differs"

# About 1 %: two of the 200 files change.
printf 'changed\n' >>"$T/src/text/f007.txt"
head -c 30000 /dev/urandom >"$T/src/bin/b03"
$A import --tag os "$T/src" >/dev/null 2>&1
before=$(blob_bytes)
out=$($A --json push os "$REGISTRY/volt/packs:v2") || fail "second push: $out"
sent2=$(echo "$out" | json 'd["bytes_sent"]')
grown=$(( $(blob_bytes) - before ))
echo "second push after a ~1 % change: sent $sent2 bytes ($(echo "$out" | json 'd["blocks_sent"]') blocks), registry grew by $grown"
[ $((sent2 * 10)) -le "$sent1" ] || fail "second push sent $sent2 bytes, over 10 % of the first's $sent1"
[ $((grown * 10)) -le "$stored" ] || fail "the registry grew by $grown bytes, over 10 % of $stored"
# --force: ref os names v1 here, and a pull replaces a ref only when told.
out=$($ST --root "$T/b" --json pull --force --tag os "$REGISTRY/volt/packs:v2") || fail "pull v2: $out"
[ "$(echo "$out" | json 'd["blocks_fetched"]')" -le 20 ] || fail "pull of a small change fetches few blocks ($out)"
$ST --root "$T/b" checkout os "$T/out-b2"
diff -r "$T/src" "$T/out-b2" >/dev/null || fail "checkout after the second pull differs"

# A registry that ignores Range: whole packs, same result.
proxy_start ignore
out=$($ST --root "$T/c" --json pull --tag os "$PROXY/volt/packs:v2") || fail "pull through a proxy ignoring Range: $out"
grep -q "^range 200 " "$T/proxy-ignore.log" || fail "the proxy did not answer a Range request with 200"
[ "$(grep -c "^range " "$T/proxy-ignore.log")" -le "$(( $(echo "$out" | json 'd["blocks"]') / 5 ))" ] ||
	fail "ranged requests were not coalesced or whole packs fetched more than once"
$ST --root "$T/c" checkout os "$T/out-c"
diff -r "$T/src" "$T/out-c" >/dev/null || fail "checkout after a whole-pack pull differs"

# A Range answer one byte short: refused, nothing in the store.
proxy_start short
set +e
err=$($ST --root "$T/d" pull --tag os "$PROXY/volt/packs:v2" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && echo "$err" | grep -q "answered range" || fail "short range: $rc $err"
assert_clean "$T/d" "short range"

# A flipped byte in the middle of the biggest pack blob: refused.
victim=$(find "$T/reg/storage" -path '*/blobs/sha256/*/data' -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
python3 - "$victim" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x40
open(p, "wb").write(bytes(b))
PY
set +e
err=$($ST --root "$T/e" pull --tag os "$REGISTRY/volt/packs:v1" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && echo "$err" | grep -Eq "block .*(hash|corrupt|format|length)" || fail "flipped byte: $rc $err"
assert_clean "$T/e" "flipped byte"

# The old layout (one blob per block), pushed by a stellarium before packs.
if [ -n "$OLD" ]; then
	"$OLD" --root "$T/old" import --tag os "$T/src" >/dev/null 2>&1
	"$OLD" --root "$T/old" push os "$REGISTRY/volt/old:v1" >/dev/null 2>&1 || fail "old push"
	out=$($ST --root "$T/f" --json pull --tag os "$REGISTRY/volt/old:v1") || fail "pull of the old layout: $out"
	$ST --root "$T/f" checkout os "$T/out-f"
	diff -r "$T/src" "$T/out-f" >/dev/null || fail "checkout of the old layout differs"
fi
# An image record travels with its root: volt run works on the pulling host.
cat >"$T/demo.json" <<'JSON'
{"name": "1.0", "config": {"Cmd": ["/bin/cat", "/etc/hello"]}, "layers": [{"entries": [
  {"path": "usr", "type": "dir"}, {"path": "usr/bin", "type": "dir"},
  {"path": "usr/bin/busybox", "type": "file", "source": "/bin/busybox", "mode": 493},
  {"path": "usr/bin/sh", "type": "symlink", "target": "busybox"},
  {"path": "usr/bin/cat", "type": "symlink", "target": "busybox"},
  {"path": "bin", "type": "symlink", "target": "usr/bin"},
  {"path": "etc", "type": "dir"},
  {"path": "etc/passwd", "type": "file", "content": "root:x:0:0:root:/root:/bin/sh\n"},
  {"path": "etc/group", "type": "file", "content": "root:x:0:\n"},
  {"path": "etc/hello", "type": "file", "content": "hello from packs\n"},
  {"path": "tmp", "type": "dir", "mode": 1023}, {"path": "root", "type": "dir", "mode": 448},
  {"path": "proc", "type": "dir"}, {"path": "sys", "type": "dir"}, {"path": "dev", "type": "dir"},
  {"path": "run", "type": "dir"}, {"path": "var", "type": "dir"}]}]}
JSON
python3 "$HERE/oci-layout.py" "$T/demo.json" "$T/demo" >/dev/null
registry_push "$T/demo" volt/demo:1.0 || fail "skopeo copy demo"
"$VOLT" --root "$T/img1" image pull "$REGISTRY/volt/demo:1.0" >/dev/null || fail "volt image pull"
ref=$($ST --root "$T/img1" refs | grep -o 'img\.image\.[0-9a-f]*' | head -1)
[ -n "$ref" ] || fail "volt image pull left no img.image ref"
$ST --root "$T/img1" push "$ref" "$REGISTRY/volt/demo-st:1" >/dev/null 2>&1 || fail "push of $ref"
$ST --root "$T/img2" pull "$REGISTRY/volt/demo-st:1" >/dev/null 2>&1 || fail "pull of the image's root"
"$VOLT" --root "$T/img2" image ls | grep -q "$REGISTRY/volt/demo:1.0" || fail "the image record did not travel"
$ST --root "$T/img2" fsck >/dev/null || fail "fsck after the image pull"
if [ "$(id -u)" = 0 ] && command -v systemd-nspawn >/dev/null; then
	out=$(VOLT_CTR_LAUNCHER="$LAUNCHER" "$VOLT" --root "$T/img2" run --rm "$REGISTRY/volt/demo:1.0" 2>&1) ||
		fail "volt run of the pulled image: $out"
	echo "$out" | grep -q "hello from packs" || fail "volt run printed: $out"
else
	echo "note: volt run of the pulled image not tried (needs root and systemd-nspawn)"
fi
echo "PASS"
