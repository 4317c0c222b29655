#!/bin/sh
# volt image pull from a real docker-registry on loopback, populated with
# skopeo from OCI layouts built by oci-layout.py: pull, run the image as a
# container, a related image fetches only its new layers, pull by digest,
# an index picks linux/amd64 or --platform, Basic auth; and bad input
# (unknown tag, a layer escaping the tree, a truncated gzip layer, a
# manifest or blob that does not match its digest, an unknown media type,
# a registry answering 500, a stalled one): each a clear error, exit 1,
# and no image recorded.
# Usage: test-pull.sh VOLT STELLARIUM LAUNCHER
set -u
VOLT=$(realpath "$1") ST=$(realpath "$2") LAUNCHER=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/registry.sh"
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static is not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-img-pull-XXXXXX")
trap 'registry_stop; rm -rf "$T"' EXIT
tmp=$T
. "$HERE/../ctr/checks.sh"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
R=$T/root
V="$VOLT --root $R"
S="$ST --root $R"

# Layers: a busybox base (usr-merged, as volt run expects), an app layer, an update.
base='{"entries": [
  {"path": "usr", "type": "dir"}, {"path": "usr/bin", "type": "dir"},
  {"path": "usr/bin/busybox", "type": "file", "source": "/bin/busybox", "mode": 493},
  {"path": "usr/bin/sh", "type": "symlink", "target": "busybox"},
  {"path": "usr/bin/cat", "type": "symlink", "target": "busybox"},
  {"path": "bin", "type": "symlink", "target": "usr/bin"},
  {"path": "etc", "type": "dir"},
  {"path": "etc/passwd", "type": "file", "content": "root:x:0:0:root:/root:/bin/sh\n"},
  {"path": "etc/group", "type": "file", "content": "root:x:0:\n"},
  {"path": "etc/os-release", "type": "file", "content": "ID=volt-test\n"},
  {"path": "tmp", "type": "dir", "mode": 1023}, {"path": "root", "type": "dir", "mode": 448},
  {"path": "proc", "type": "dir"}, {"path": "sys", "type": "dir"}, {"path": "dev", "type": "dir"},
  {"path": "run", "type": "dir"}, {"path": "var", "type": "dir"}]}'
app='{"entries": [{"path": "etc/hello", "type": "file", "content": "hello from demo 1.0\n"},
  {"path": "opt", "type": "dir"}, {"path": "opt/old", "type": "file", "content": "old\n"}]}'
update='{"compression": "zstd", "entries": [{"path": "etc/hello", "type": "file", "content": "hello from demo 2.0\n"},
  {"path": "opt/.wh.old", "type": "whiteout"}]}'
layout() { # NAME SPEC
	printf "%s\n" "$2" | python3 "$HERE/oci-layout.py" - "$T/$1" >"$T/$1.summary" || { echo "FAIL: oci-layout.py $1"; exit 1; }
}
layout demo1 "{\"name\": \"1.0\", \"config\": {\"Cmd\": [\"/bin/cat\", \"/etc/hello\"]}, \"layers\": [$base, $app]}"
layout demo2 "{\"name\": \"2.0\", \"config\": {\"Cmd\": [\"/bin/cat\", \"/etc/hello\"]}, \"layers\": [$base, $app, $update]}"
layout multi "{\"platforms\": [
  {\"os\": \"linux\", \"architecture\": \"amd64\", \"layers\": [{\"entries\": [{\"path\": \"arch\", \"type\": \"file\", \"content\": \"amd64\"}]}]},
  {\"os\": \"linux\", \"architecture\": \"arm64\", \"layers\": [{\"entries\": [{\"path\": \"arch\", \"type\": \"file\", \"content\": \"arm64\"}]}]}]}"
layout escape '{"layers": [{"entries": [{"path": "../escaped", "type": "file", "content": "x"}]}]}'
layout escape-link '{"layers": [{"entries": [{"path": "evil", "type": "symlink", "target": "/etc"},
  {"path": "evil/passwd", "type": "file", "content": "x"}]}]}'
layout truncated '{"layers": [{"truncate": 60, "entries": [{"path": "f", "type": "file", "content": "'"$(head -c 3000 /dev/urandom | base64 -w0)"'"}]}]}'
layout badtype '{"layers": [{"media_type": "application/vnd.example.unknown.layer", "entries": [{"path": "f", "type": "file"}]}]}'

registry_start "$T/reg"
registry_push "$T/demo1" volt/demo:1.0 || fail "skopeo copy demo1"
registry_push "$T/demo2" volt/demo:2.0 || fail "skopeo copy demo2"
registry_push "$T/demo2" volt/demo:latest || fail "skopeo copy demo2 as latest"
registry_push --all "$T/multi" volt/multi:1 || fail "skopeo copy multi"
registry_push "$T/escape" volt/escape:1 || fail "skopeo copy escape"
registry_push "$T/escape-link" volt/escape-link:1 || fail "skopeo copy escape-link"
registry_push "$T/truncated" volt/truncated:1 || fail "skopeo copy truncated"

echo "== help and usage"
expect 0 "Usage: volt image pull" $V image pull --help
expect 2 "give one image reference" $V image pull
expect 2 "needs --password-stdin" $V image pull --username u "$REGISTRY/volt/demo:1.0"
expect 2 "use --password-stdin" $V image pull --password p "$REGISTRY/volt/demo:1.0"

echo "== pull, run"
expect 0 '"layers_fetched": 2' $V image pull --json "$REGISTRY/volt/demo:1.0"
root1=$(json 'd["root"]' <"$T/out")
digest1=$(json 'd["digest"]' <"$T/out")
expect 0 "hello from demo 1.0" $S cat "$root1:etc/hello"
expect 0 "$REGISTRY/volt/demo:1.0" $V image ls
expect 0 "$digest1" $V image inspect "$REGISTRY/volt/demo:1.0"
expect 0 "" $S fsck
if [ "$(id -u)" = 0 ] && command -v systemd-nspawn >/dev/null; then
	export VOLT_CTR_LAUNCHER="$LAUNCHER"
	# By name: the config's Cmd (cat /etc/hello) runs; by another name after tag.
	expect 0 "hello from demo 1.0" $V run --rm "$REGISTRY/volt/demo:1.0"
	expect 0 "" $V image tag "$REGISTRY/volt/demo:1.0" demo:local
	expect 0 "hello from demo 1.0" $V run --rm demo:local -- /bin/cat /etc/hello
	expect 0 "" $V image rm demo:local
	expect 1 "" $V run --rm demo:local
else
	echo "note: volt run of the pulled image not tried (needs root and systemd-nspawn)"
fi

echo "== a related image fetches only its new layer"
expect 0 '"layers_fetched": 1' $V image pull --json "$REGISTRY/volt/demo:2.0"
grep -q '"layers_skipped": 2' "$T/out" || fail "second pull skips the two shared layers: $(cat "$T/out")"
root2=$(json 'd["root"]' <"$T/out")
expect 0 "hello from demo 2.0" $S cat "$root2:etc/hello"
expect 1 "" $S cat "$root2:opt/old"
bytes1=$(grep -o '"bytes_fetched": [0-9]*' "$T/out" | grep -o '[0-9]*$')

echo "== by digest, again: nothing fetched"
expect 0 '"layers_fetched": 0' $V image pull --json "$REGISTRY/volt/demo@$digest1"
grep -q "\"root\": \"$root1\"" "$T/out" || fail "pull by digest gives the same tree"
expect 0 '"layers_fetched": 0' $V image pull --json "$REGISTRY/volt/demo:1.0"
expect 0 "\"name\": \"$REGISTRY/volt/demo:latest\"" $V image pull --json "$REGISTRY/volt/demo"
grep -q "\"root\": \"$root2\"" "$T/out" || fail "no tag means latest"
expect 0 "" $V image inspect "$REGISTRY/volt/demo:latest"

echo "== index: linux/amd64 by default, --platform for another"
expect 0 "" $V image pull --json "$REGISTRY/volt/multi:1"
expect 0 "^amd64$" $S cat "$(json 'd["root"]' <"$T/out"):arch"
expect 0 "" $V image pull --json --platform linux/arm64 "$REGISTRY/volt/multi:1"
expect 0 "^arm64$" $S cat "$(json 'd["root"]' <"$T/out"):arch"
expect 1 "no manifest for platform linux/s390x (it has: linux/amd64, linux/arm64)" $V image pull --platform linux/s390x "$REGISTRY/volt/multi:1"
expect 2 "" $V image pull --timeout 0 "$REGISTRY/volt/multi:1"

echo "== bad input: clear errors, nothing recorded"
R2=$T/root2
V2="$VOLT --root $R2"
expect 1 "HTTP 404.*MANIFEST_UNKNOWN" $V2 image pull "$REGISTRY/volt/demo:9.9"
expect 1 "HTTP 404" $V2 image pull "$REGISTRY/volt/nothing:1"
expect 1 "must start with a registry" $V2 image pull volt/demo:1.0
expect 1 "invalid repository" $V2 image pull "$REGISTRY/Volt/Demo:1.0"
expect 1 "ECONNREFUSED\|onnect" $V2 image pull "127.0.0.1:1/volt/demo:1.0"
expect 1 "layer sha256:.*'../escaped' contains '..'" $V2 image pull "$REGISTRY/volt/escape:1"
expect 1 "layer sha256:.*'evil', which is not a directory" $V2 image pull "$REGISTRY/volt/escape-link:1"
expect 1 "layer sha256:.*gzip stream truncated" $V2 image pull "$REGISTRY/volt/truncated:1"

fake_registry_start "$T" "$T/demo1" 500
expect 1 "HTTP 500: UNKNOWN: simulated internal failure" $V2 image pull "$FAKE/volt/demo:1.0"
fake_registry_start "$T" "$T/demo1" manifest-digest
expect 1 "manifest's digest is sha256:" $V2 image pull "$FAKE/volt/demo:1.0"
expect 1 "sent a manifest whose digest is" $V2 image pull "$FAKE/volt/demo@$digest1"
fake_registry_start "$T" "$T/demo1" truncate-blobs
expect 1 "truncated" $V2 image pull "$FAKE/volt/demo:1.0"
fake_registry_start "$T" "$T/badtype" normal
expect 1 "unsupported media type application/vnd.example.unknown.layer" $V2 image pull "$FAKE/volt/bad:1"
fake_registry_start "$T" "$T/demo1" normal
# (A layer imported by a failed pull above may be reused: layers are fetched in parallel.)
expect 0 '"layers": 2' $V2 image pull --json "$FAKE/volt/demo:1.0"
grep -q "\"root\": \"$root1\"" "$T/out" || fail "the fake registry serves the same image"
fake_registry_start "$T" "$T/demo1" stall
expect 1 "timed out\|Timeout" $V2 image pull --timeout 2 "$FAKE/volt/demo:2.0"
# Nothing recorded by the failures, no temporary file left in the store.
[ -z "$(find "$R2/cas" -maxdepth 1 -name '.tmp*')" ] || fail "temporary files left: $(ls -a "$R2/cas")"
n=$($V2 --json image ls | json 'len(d)')
[ "$n" = 1 ] || fail "failed pulls recorded images (only the good pull may be): $($V2 image ls)"

echo "== Basic auth"
python3 -c 'import crypt; print("volt:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
	>"$T/htpasswd" 2>/dev/null || { echo "SKIP: python3 crypt cannot make bcrypt hashes"; exit 77; }
registry_start "$T/reg-auth" "$T/htpasswd"
REGISTRY_CREDS=volt:s3cret registry_push "$T/demo1" volt/private:1 || fail "skopeo copy to the auth registry"
R3=$T/root3
V3="$VOLT --root $R3"
expect 1 "wants a username and password" $V3 image pull "$REGISTRY/volt/private:1"
echo wrong | $V3 image pull --username volt --password-stdin "$REGISTRY/volt/private:1" >"$T/out" 2>&1
[ $? = 1 ] && grep -q "refused the credentials" "$T/out" || fail "wrong password: $(cat "$T/out")"
echo s3cret | $V3 image pull --json --username volt --password-stdin "$REGISTRY/volt/private:1" >"$T/out" 2>&1 ||
	fail "pull with --password-stdin: $(cat "$T/out")"
grep -q "\"root\": \"$root1\"" "$T/out" || fail "authenticated pull gives the same tree"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(printf volt:s3cret | base64)" >"$T/auth.json"
expect 0 '"layers_skipped": 2' $V3 image pull --json --authfile "$T/auth.json" "$REGISTRY/volt/private:1"
REGISTRY_AUTH_FILE=$T/auth.json expect 0 "" $V3 image pull "$REGISTRY/volt/private:1"

echo "== bearer token auth (anonymous, and with credentials for the token server)"
fake_registry_start "$T" "$T/demo1" token
expect 0 '"layers_skipped": 2' $V3 image pull --json "$FAKE/volt/demo:1.0"
fake_registry_start "$T" "$T/demo1" token-redirect
R4=$T/root4
expect 0 '"layers_fetched": 2' $VOLT --root "$R4" image pull --json "$FAKE/volt/demo:1.0"
grep -q "\"root\": \"$root1\"" "$T/out" || fail "pull through blob redirects gives the same tree"
fake_registry_start "$T" "$T/demo1" token-basic
expect 1 "token server.*HTTP 401.*bad credentials" $V3 image pull "$FAKE/volt/demo:1.0"
echo s3cret | $V3 image pull --username volt --password-stdin "$FAKE/volt/demo:1.0" >"$T/out" 2>&1 ||
	fail "token server with credentials: $(cat "$T/out")"

finish
