#!/bin/sh
# volt image import|ls|inspect|tag|rm through the real binary, on archives
# built by oci-layout.py and converted by skopeo (docker-archive and
# oci-archive), and on hostile or broken archives, each of which must fail
# clearly with nothing recorded.
# usage: cli.sh VOLT STELLARIUM SRCDIR
set -u
volt=$(realpath "$1") stellarium=$(realpath "$2") src=$3
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/volt-img-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_ROOT="$tmp/root"
# shellcheck source=../ctr/checks.sh
. "$src/../ctr/checks.sh"

layout() { # NAME SPEC-JSON: an OCI layout directory $tmp/NAME
	printf '%s\n' "$2" >"$tmp/$1.json"
	python3 "$src/oci-layout.py" "$tmp/$1.json" "$tmp/$1" >"$tmp/$1.summary" || fail "oci-layout.py $1"
}
ociar() { tar -C "$tmp/$1" -cf "$tmp/$1.tar" . ; } # an OCI archive of a layout, written by hand
records() { ls "$VOLT_ROOT/cas/oci/images" 2>/dev/null | wc -l; }
layers() { ls "$VOLT_ROOT/cas/oci/layers" 2>/dev/null | wc -l; }

base='{"path":"etc","type":"dir"},{"path":"etc/hello","type":"file","content":"hello\n"},{"path":"etc/old","type":"file","content":"old\n"}'
layout demo '{"name":"demo:1.0","config":{"Entrypoint":["/bin/echo"],"Cmd":["hi"],"Env":["A=1"],"WorkingDir":"/w","User":"1000","ExposedPorts":{"80/tcp":{},"53/udp":{}}},
  "layers":[{"entries":['"$base"']},{"compression":"gzip","entries":[{"path":"etc/.wh.old","type":"whiteout"}]}]}'
skopeo copy -q "oci:$tmp/demo:demo:1.0" "docker-archive:$tmp/demo-docker.tar:demo:1.0" || fail "skopeo docker-archive"
skopeo copy -q "oci:$tmp/demo:demo:1.0" "oci-archive:$tmp/demo-oci.tar:demo:1.0" || fail "skopeo oci-archive"

echo "== --help of every verb"
for v in import ls inspect tag rm; do expect 0 "Usage: volt image $v" "$volt" image "$v" --help; done
expect 0 "Usage: volt image COMMAND" "$volt" image --help
expect 2 "unknown image command" "$volt" image frobnicate
expect 2 "give exactly one FILE" "$volt" image import
expect 2 "give SRC and DST" "$volt" image tag onlyone

echo "== import a docker-archive and an OCI archive (skopeo), list, inspect"
expect 0 "imported docker.io/library/demo:1.0" "$volt" image import "$tmp/demo-docker.tar"
expect 0 "imported demo:1.0" "$volt" image import "$tmp/demo-oci.tar"
expect 0 "imported other:latest" "$volt" image import --name other "$tmp/demo-oci.tar"
expect 0 "docker.io/library/demo:1.0" "$volt" image ls
grep -q "^other:latest " "$tmp/out" || fail "ls lacks other:latest"
id=$(sed -n 's/^other:latest *\([0-9a-f]*\) .*/\1/p' "$tmp/out")
[ ${#id} = 12 ] || fail "ls shows no 12-digit id ($id)"
expect 0 '"name": "demo:1.0"' "$volt" image ls --json
# short names: demo:1.0 is an exact name here; a unique suffix also finds one
expect 0 "Name: *demo:1.0" "$volt" image inspect demo:1.0
expect 0 "Name: *docker.io/library/demo:1.0" "$volt" image inspect library/demo:1.0
expect 1 "no image named 'nosuch'" "$volt" image inspect nosuch
expect 0 '"/bin/echo"' "$volt" image inspect --json other
python3 - "$tmp/out" <<'PY' || fail "inspect --json of other"
import json, sys
i = json.load(open(sys.argv[1]))
assert i["entrypoint"] == ["/bin/echo"] and i["cmd"] == ["hi"] and i["env"] == ["A=1"], i
assert i["working_dir"] == "/w" and i["user"] == "1000", i
assert i["exposed_ports"] == ["53/udp", "80/tcp"], i["exposed_ports"]
assert i["config"]["rootfs"]["type"] == "layers" and len(i["layers"]) == 2, i
assert i["manifest_digest"].startswith("sha256:"), i
PY
root=$("$volt" image inspect --json other | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])')
expect 0 "^hello$" "$stellarium" cat "$root:etc/hello"
expect 1 "" "$stellarium" cat "$root:etc/old"
expect 1 "" "$stellarium" cat "$root:etc/.wh.old"
# The docker-archive and the OCI archive hold the same files: one tree.
droot=$("$volt" image inspect --json docker.io/library/demo:1.0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])')
[ "$droot" = "$root" ] || fail "docker-archive and OCI archive of one image give different trees ($droot, $root)"

echo "== tag, rm, and gc frees what no name reaches"
expect 0 "" "$volt" image tag other mine/copy:2
expect 0 "Id: *sha256:$id" "$volt" image inspect copy:2
expect 1 "has 4 names; remove them by name" "$volt" image rm "$id"
expect 0 "removed demo:1.0" "$volt" image rm demo:1.0 other
expect 1 "no image named 'other'" "$volt" image rm other
expect 0 "removed docker.io/library/demo:1.0" "$volt" image rm docker.io/library/demo:1.0
[ "$(layers)" -gt 0 ] || fail "the layers of mine/copy:2 were dropped"
expect 0 "" "$stellarium" gc
expect 0 "^hello$" "$stellarium" cat "$root:etc/hello"
expect 0 '"removed"\|mine/copy:2' "$volt" image rm --json mine/copy:2
[ "$(records)" = 0 ] || fail "records left after rm: $(records)"
[ "$(layers)" = 0 ] || fail "layer records left after the last image went: $(layers)"
expect 0 "Removed [1-9]" "$stellarium" gc
expect 1 "" "$stellarium" cat "$root:etc/hello"
expect 0 "" "$stellarium" fsck

echo "== a second import of a related image reads only the new layer"
expect 0 "" "$volt" image import "$tmp/demo-oci.tar"
layout demo2 '{"name":"demo:2.0","layers":[{"entries":['"$base"']},{"compression":"gzip","entries":[{"path":"etc/new","type":"file","content":"v2\n"}]}]}'
ociar demo2
n0=$(layers)
expect 0 "imported demo:2.0" "$volt" image import "$tmp/demo2.tar"
[ "$(layers)" = $((n0 + 1)) ] || fail "demo:2.0 added $(($(layers) - n0)) layer records, want 1"

echo "== multi-platform index: the linux/amd64 image is taken"
layout multi '{"name":"multi:1","platforms":[
  {"architecture":"arm64","layers":[{"entries":[{"path":"arch","type":"file","content":"arm64\n"}]}]},
  {"architecture":"amd64","layers":[{"entries":[{"path":"arch","type":"file","content":"amd64\n"}]}]}]}'
ociar multi
if [ "$(uname -m)" = x86_64 ]; then
	expect 0 "imported multi:1" "$volt" image import "$tmp/multi.tar"
	r=$("$volt" image inspect --json multi:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])')
	expect 0 "^amd64$" "$stellarium" cat "$r:arch"
fi

echo "== zstd layers"
if command -v zstd >/dev/null; then
	layout z '{"name":"zst:1","layers":[{"compression":"zstd","entries":[{"path":"z","type":"file","content":"zstd layer\n"}]}]}'
	ociar z
	expect 0 "imported zst:1" "$volt" image import "$tmp/z.tar"
fi

echo "== broken and hostile archives: a clear error, nothing recorded"
bad() { # NAME PATTERN LAYER-JSON: an archive whose second layer is LAYER
	layout "$1" '{"name":"bad:'"$1"'","layers":[{"entries":['"$base"']},'"$3"']}'
	ociar "$1"
	nr=$(records)
	expect 1 "$2" "$volt" image import "$tmp/$1.tar"
	[ "$(records)" = "$nr" ] || fail "$1: an image was recorded"
	"$volt" image inspect "bad:$1" >/dev/null 2>&1 && fail "$1: bad:$1 exists"
}
bad wrongdigest "digest" '{"wrong_digest":true,"entries":[{"path":"x","type":"file","content":"x"}]}'
bad wrongdiff "diff_id" '{"wrong_diff_id":true,"entries":[{"path":"x","type":"file","content":"x"}]}'
bad truncated "truncated\|bytes, its descriptor" '{"truncate":60,"entries":[{"path":"x","type":"file","content":"'"$(head -c 3000 /dev/zero | tr '\0' x)"'"}]}'
bad garbage "gzip" '{"garbage":true}'
bad dotdot "\.\." '{"entries":[{"path":"../escape","type":"file","content":"x"}]}'
bad absolute "" '{"entries":[{"path":"/etc/passwd","type":"file","content":"x"}]}'
bad through "not a directory" '{"entries":[{"path":"lnk","type":"symlink","target":"/etc"},{"path":"lnk/passwd","type":"file","content":"x"}]}'
bad hardout "hard link" '{"entries":[{"path":"h","type":"hardlink","target":"etc/hello"}]}'
bad mediatype "unsupported layer media type" '{"media_type":"application/x-foo","entries":[{"path":"x","type":"file","content":"x"}]}'
# An archive cut short, a plain file, no name, a pipe.
head -c 3000 "$tmp/demo-docker.tar" >"$tmp/cut.tar"
expect 1 "truncated\|no member" "$volt" image import "$tmp/cut.tar"
echo "not an archive at all, but long enough to be read as a tar header block ......." >"$tmp/text.tar"
expect 1 "tar" "$volt" image import "$tmp/text.tar"
layout anon '{"layers":[{"entries":['"$base"']}]}'
ociar anon
expect 1 "has no name: give one" "$volt" image import "$tmp/anon.tar"
expect 0 "imported anon:latest" "$volt" image import --name anon "$tmp/anon.tar"
expect 1 "not a regular file" sh -c "cat '$tmp/anon.tar' | '$volt' image import /dev/stdin"
expect 1 "No such file" "$volt" image import "$tmp/nonexistent.tar"
expect 0 "" "$stellarium" fsck
finish
