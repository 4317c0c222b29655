#!/bin/sh
# volt image push and volt image save (issue 14: "volt image push IMAGE
# REGISTRY/REPO:TAG (an OCI image any registry client can pull) is
# missing; so is image save"). An image with modes, owners (one past
# ustar's limit), symlinks, a hard link, a long path, a multi-block file,
# whiteouts, an opaque directory (and in a second image devices, a FIFO,
# xattrs) is pulled into store A, pushed back
# under another name, then fetched by skopeo (an independent client) and
# by volt into store B: the trees and configs must match the source. A
# second push sends no layer. Save writes an OCI archive that skopeo reads
# and volt imports, to stdout too. Bad input fails clearly and quickly.
# Usage: push.sh VOLT STELLARIUM TESTS-IMG-DIR
set -u
VOLT=$(realpath "$1") ST=$(realpath "$2") IMG=$(realpath "$3")
. "$(dirname "$0")/common.sh"
TREE="python3 $(dirname "$(realpath "$0")")/oci-tree.py"
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (checkouts keep owners)"; exit 77; }
VA="$VOLT --root $T/a" VB="$VOLT --root $T/b" VC="$VOLT --root $T/c"
long=deep/$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 70))/file
layout src "$(cat <<JSON
{"name": "1", "os": "linux", "architecture": "amd64",
 "config": {"Entrypoint": ["/bin/tool", "--serve"], "Cmd": ["x y"], "Env": ["PATH=/usr/bin:/bin", "A=b c"],
            "WorkingDir": "/srv/data", "User": "1000:1000", "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
            "Volumes": {"/srv/data": {}}, "Labels": {"k": "v"}, "StopSignal": "SIGINT"},
 "layers": [
  {"entries": [
    {"path": "etc", "type": "dir", "mode": 493},
    {"path": "etc/hello", "type": "file", "content": "hello\n", "mode": 416, "uid": 0, "gid": 42},
    {"path": "etc/hard", "type": "hardlink", "target": "etc/hello", "mode": 416, "gid": 42},
    {"path": "etc/link", "type": "symlink", "target": "hello"},
    {"path": "etc/abs", "type": "symlink", "target": "/etc/hello"},
    {"path": "etc/old", "type": "file", "content": "going\n"},
    {"path": "bin", "type": "dir"},
    {"path": "bin/tool", "type": "file", "source": "/bin/bash", "mode": 2541},
    {"path": "srv", "type": "dir"},
    {"path": "srv/data", "type": "dir", "mode": 488, "uid": 1000, "gid": 1000},
    {"path": "srv/data/db", "type": "file", "content": "rows\n", "mode": 384, "uid": 1000, "gid": 1000},
    {"path": "var", "type": "dir"},
    {"path": "var/cache", "type": "dir", "mode": 1023},
    {"path": "var/cache/stale", "type": "file", "content": "stale\n"},
    {"path": "deep", "type": "dir"},
    {"path": "$(dirname "$(dirname "$long")")", "type": "dir"},
    {"path": "$(dirname "$long")", "type": "dir", "mode": 448},
    {"path": "$long", "type": "file", "content": "far down\n", "uid": 3000000, "gid": 3000001},
    {"path": "empty", "type": "dir", "mode": 320}]},
  {"entries": [
    {"path": "etc", "type": "dir", "mode": 493},
    {"path": "etc/.wh.old", "type": "whiteout"},
    {"path": "var", "type": "dir"},
    {"path": "var/cache", "type": "dir", "mode": 1023},
    {"path": "var/cache/.wh..wh..opq", "type": "whiteout"},
    {"path": "var/cache/new", "type": "file", "content": "new\n", "mtime": 1600000000}]}]}
JSON
)"
registry_start "$T/reg"
registry_push "$T/src" volt/src:1 || fail "skopeo copy of the source image"
$TREE layout "$T/src" >"$T/want" || fail "listing the source"
$TREE config "$T/src" >"$T/want-config"
expect 0 "" $VA image pull "$REGISTRY/volt/src:1"

echo "== push: the layer and config are sent, the manifest digest printed"
expect 0 '"layers_pushed": 1' $VA image push --json "$REGISTRY/volt/src:1" "$REGISTRY/volt/pushed:1"
digest=$(json 'd["digest"]' <"$T/out" 2>/dev/null)
case $digest in sha256:????????????????????????????????????????????????????????????????) ;; *) fail "no manifest digest: $(cat "$T/out")" ;; esac

echo "== skopeo pulls it: same tree, same config"
rm -rf "$T/back"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/volt/pushed:1" "oci:$T/back" </dev/null >"$T/out" 2>&1 ||
	fail "skopeo copy of the pushed image: $(cat "$T/out")"
$TREE layout "$T/back" >"$T/got" 2>&1 || fail "listing what skopeo pulled: $(cat "$T/got")"
diff -u "$T/want" "$T/got" >"$T/diff" || { fail "the pushed tree differs from the source:"; sed 's/^/  | /' "$T/diff"; }
$TREE config "$T/back" >"$T/got-config"
diff -u "$T/want-config" "$T/got-config" >"$T/diff" || { fail "the pushed config differs:"; sed 's/^/  | /' "$T/diff"; }
skopeo inspect --tls-verify=false "docker://$REGISTRY/volt/pushed:1" >"$T/inspect" 2>&1 || fail "skopeo inspect: $(cat "$T/inspect")"
[ "$(json 'd["Digest"]' <"$T/inspect")" = "$digest" ] || fail "skopeo sees digest $(json 'd["Digest"]' <"$T/inspect"), push printed $digest"

echo "== volt pulls it into another store: same tree (checked out), same config"
expect 0 "" $VB image pull "$REGISTRY/volt/pushed:1"
$VB image inspect --json "$REGISTRY/volt/pushed:1" >"$T/b.json" || fail "inspect in store B"
$VA image inspect --json "$REGISTRY/volt/src:1" >"$T/a.json" || fail "inspect in store A"
for k in entrypoint cmd env working_dir user exposed_ports os architecture; do
	[ "$(json "d['$k']" <"$T/a.json")" = "$(json "d['$k']" <"$T/b.json")" ] ||
		fail "$k: store A has $(json "d['$k']" <"$T/a.json"), the pushed image $(json "d['$k']" <"$T/b.json")"
done
rootb=$(json 'd["root"]' <"$T/b.json")
$ST --root "$T/b" checkout --full "$rootb" "$T/co" >"$T/out" 2>&1 || fail "checkout: $(cat "$T/out")"
$TREE dir "$T/co" >"$T/got-dir"
diff -u "$T/want" "$T/got-dir" >"$T/diff" || { fail "the tree volt pulled back differs:"; sed 's/^/  | /' "$T/diff"; }

echo "== a second push sends no blob, only the manifest (same digest)"
expect 0 '"layers_skipped": 1' $VA image push --json "$REGISTRY/volt/src:1" "$REGISTRY/volt/pushed:1"
[ "$(json 'd["layers_pushed"], d["bytes_pushed"], d["digest"]' <"$T/out")" = "0 0 $digest" ] ||
	fail "second push: $(cat "$T/out")"
echo "== another repository lacks the blob: the layer, remembered from the first export, is written and sent again"
expect 0 '"layers_pushed": 1' $VA image push --json "$REGISTRY/volt/src:1" "$REGISTRY/volt/other:1"
[ "$(json 'd["digest"]' <"$T/out")" = "$digest" ] || fail "the push to another repository made another manifest: $(cat "$T/out")"
echo "== a corrupt export record costs a new export, not a wrong image"
for f in "$T"/a/cas/oci/exports/*; do echo "sha256:$(printf '1%.0s' $(seq 64)) 5 sha256:$(printf '2%.0s' $(seq 64))" >"$f"; done
expect 0 '"layers_pushed": 1' $VA image push --json "$REGISTRY/volt/src:1" "$REGISTRY/volt/third:1"
[ "$(json 'd["digest"]' <"$T/out")" = "$digest" ] || fail "a corrupt export record changed the manifest: $(cat "$T/out")"
skopeo inspect --tls-verify=false "docker://$REGISTRY/volt/third:1" >"$T/inspect" 2>&1 || fail "skopeo inspect third: $(cat "$T/inspect")"
expect 0 "" $ST --root "$T/a" fsck

echo "== push without a destination goes to the image's own name; short names work"
expect 0 "already there" $VB image push pushed:1

echo "== save: skopeo reads the archive, volt imports it (same tree), -o - is the same bytes"
expect 0 "" $VA image save "$REGISTRY/volt/src:1" -o "$T/s.tar"
skopeo inspect "oci-archive:$T/s.tar" >"$T/inspect" 2>&1 || fail "skopeo inspect oci-archive: $(cat "$T/inspect")"
[ "$(json 'd["Digest"]' <"$T/inspect" 2>/dev/null)" = "$digest" ] || fail "the saved manifest is not the pushed one: $(cat "$T/inspect")"
rm -rf "$T/fromsave"
skopeo copy -q "oci-archive:$T/s.tar" "oci:$T/fromsave" </dev/null >"$T/out" 2>&1 || fail "skopeo copy oci-archive: $(cat "$T/out")"
$TREE layout "$T/fromsave" >"$T/got" 2>&1
diff -u "$T/want" "$T/got" >"$T/diff" || { fail "the saved tree differs from the source:"; sed 's/^/  | /' "$T/diff"; }
$VA image save "$REGISTRY/volt/src:1" -o - >"$T/s2.tar" 2>"$T/out" || fail "save -o -: $(cat "$T/out")"
cmp -s "$T/s.tar" "$T/s2.tar" || fail "save -o - wrote other bytes than save -o FILE"
expect 0 "imported $REGISTRY/volt/src:1" $VC image import "$T/s.tar"
$VC image inspect --json "$REGISTRY/volt/src:1" >"$T/c.json" || fail "inspect in store C"
[ "$(json 'd["root"]' <"$T/c.json")" = "$rootb" ] || fail "the imported archive's tree is not the pulled image's"
[ "$(json 'd["cmd"], d["user"]' <"$T/c.json")" = "['x y'] 1000:1000" ] || fail "imported config: $(json 'd["cmd"], d["user"]' <"$T/c.json")"

echo "== an imported image with a FIFO, device nodes and xattrs: pushed and saved intact"
$TREE special "$T/special" && $TREE layout "$T/special" >"$T/want-special" || fail "building the special layout"
skopeo copy -q "oci:$T/special" "oci-archive:$T/special.tar" </dev/null || fail "skopeo copy to oci-archive"
expect 0 "" $VC image import --name special:1 "$T/special.tar"
expect 0 "" $VC image push special:1 "$REGISTRY/volt/special:1"
rm -rf "$T/back"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/volt/special:1" "oci:$T/back" </dev/null >"$T/out" 2>&1 ||
	fail "skopeo copy of the pushed special image: $(cat "$T/out")"
$TREE layout "$T/back" >"$T/got" 2>&1
diff -u "$T/want-special" "$T/got" >"$T/diff" || { fail "the pushed special tree differs:"; sed 's/^/  | /' "$T/diff"; }

echo "== Basic auth, as pull does it"
if python3 -c 'import crypt; print("volt:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' >"$T/htpasswd" 2>/dev/null; then
	plain=$REGISTRY
	registry_start "$T/reg-auth" "$T/htpasswd"
	expect 1 "wants a username and password" timeout 60 $VA image push "$plain/volt/src:1" "$REGISTRY/volt/private:1"
	echo wrong | timeout 60 $VA image push --username volt --password-stdin "$plain/volt/src:1" "$REGISTRY/volt/private:1" >"$T/out" 2>&1
	[ $? = 1 ] && grep -q "refused the credentials" "$T/out" || fail "wrong password: $(cat "$T/out")"
	echo s3cret | $VA image push --username volt --password-stdin "$plain/volt/src:1" "$REGISTRY/volt/private:1" >"$T/out" 2>&1 ||
		fail "push with --password-stdin: $(cat "$T/out")"
	grep -qx "$digest" "$T/out" || fail "the authenticated push printed another digest: $(cat "$T/out")"
	skopeo inspect --tls-verify=false --creds volt:s3cret "docker://$REGISTRY/volt/private:1" >"$T/inspect" 2>&1 ||
		fail "skopeo inspect of the authenticated push: $(cat "$T/inspect")"
	REGISTRY=$plain
else
	echo "(python3 crypt cannot make bcrypt hashes: Basic auth not tested)"
fi

echo "== bad input: clear errors, non-zero, no hang"
expect 1 "nosuch" timeout 60 $VA image push nosuch:1 "$REGISTRY/volt/x:1"
expect 1 "reference" timeout 60 $VA image push "$REGISTRY/volt/src:1" "not a reference"
expect 1 "tag" timeout 60 $VA image push "$REGISTRY/volt/src:1" "$REGISTRY/volt/x@sha256:$(printf '0%.0s' $(seq 64))"
port=$(free_port)
expect 1 "127.0.0.1:$port" timeout 60 $VA image push --timeout 5 "$REGISTRY/volt/src:1" "127.0.0.1:$port/volt/x:1"
expect 0 "" $VA image tag "$REGISTRY/volt/src:1" local:1
expect 1 "local:1" timeout 60 $VA image push local:1
expect 1 "nosuch" timeout 60 $VA image save nosuch:1 -o "$T/bad.tar"
[ -e "$T/bad.tar" ] && fail "a failed save left $T/bad.tar"
ls "$T" | grep -q 'bad.tar.tmp' && fail "a failed save left a temporary file"
expect 2 "-o FILE" $VA image save "$REGISTRY/volt/src:1"

echo "== the export record goes with the last image of its tree"
exports() { find "$T/a/cas/oci/exports" -type f | wc -l; }
[ "$(exports)" = 1 ] || fail "store A has $(exports) export records, want 1"
expect 0 "" $VA image rm local:1
[ "$(exports)" = 1 ] || fail "removing one of two names of the tree removed its export record"
expect 0 "" $VA image rm "$REGISTRY/volt/src:1"
[ "$(exports)" = 0 ] || fail "the export record stayed after the tree's last image was removed"
finish
