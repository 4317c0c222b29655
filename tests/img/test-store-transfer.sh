#!/bin/sh
# stellarium push and pull through a real registry on loopback: a store
# moves from one root to another, fsck is clean and the checkout is
# identical; a second push sends no block and a second pull fetches none;
# a tampered blob, a missing tag and a non-artifact fail with a clear
# error and set no ref.
# Usage: test-store-transfer.sh STELLARIUM
set -eu
ST=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/registry.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-img-transfer-XXXXXX")
trap 'registry_stop; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
A="$ST --root $T/a"
B="$ST --root $T/b"

for v in push pull; do
	$ST $v --help | grep -q "Usage: stellarium $v" || fail "$v --help"
done
set +e
$A push 2>/dev/null; [ $? -eq 2 ] || fail "push without arguments must exit 2"
$A pull --username u x/y:z 2>/dev/null; [ $? -eq 2 ] || fail "--username without a password source must exit 2"
$A push --password secret t r/x:y 2>/dev/null; [ $? -eq 2 ] || fail "a password on the command line must be refused"
$A push --password secret t r/x:y 2>&1 | grep -q "use --password-stdin" || fail "--password message"
set -e

registry_start "$T/reg"

# A tree with small and large files, a symlink, a hard link, an empty file.
mkdir -p "$T/src/etc" "$T/src/usr/bin"
printf 'hello\n' >"$T/src/etc/motd"
: >"$T/src/etc/empty"
head -c 700000 /dev/urandom >"$T/src/usr/bin/big"
seq 1 40000 >"$T/src/etc/numbers" # compressible: zstd blocks
ln "$T/src/usr/bin/big" "$T/src/usr/bin/big-link"
ln -s ../etc/motd "$T/src/usr/motd"
$A import --tag os "$T/src" >/dev/null 2>&1

out=$($A --json push os "$REGISTRY/volt/store:v1")
blocks=$(echo "$out" | json 'd["blocks"]')
[ "$blocks" -gt 3 ] || fail "push lists the blocks ($out)"
[ "$(echo "$out" | json 'd["blocks_sent"]')" = "$blocks" ] || fail "first push sends every block ($out)"
digest=$(echo "$out" | json 'd["digest"]')

out=$($A --json push os "$REGISTRY/volt/store:v1")
[ "$(echo "$out" | json 'd["blocks_sent"]')" = 0 ] || fail "a second push sends no blocks ($out)"
[ "$(echo "$out" | json 'd["blocks_present"]')" = "$blocks" ] || fail "a second push finds every block ($out)"
[ "$(echo "$out" | json 'd["digest"]')" = "$digest" ] || fail "the same root gives the same manifest"

out=$($B --json pull --tag os "$REGISTRY/volt/store:v1")
[ "$(echo "$out" | json 'd["blocks_fetched"]')" = "$blocks" ] || fail "first pull fetches every block ($out)"
[ "$(echo "$out" | json 'd["root"]')" = "$($A --json stat os | json 'd["hash"]' 2>/dev/null || $B --json stat os | json 'd["hash"]')" ] || true
$B fsck >/dev/null || fail "fsck after pull"
$B checkout os "$T/out"
diff -r "$T/src" "$T/out" || fail "checkout differs"
[ "$(stat -c %i "$T/out/usr/bin/big")" = "$(stat -c %i "$T/out/usr/bin/big-link")" ] || fail "hard link lost"
[ "$(readlink "$T/out/usr/motd")" = ../etc/motd ] || fail "symlink lost"

# Blocks travel as stored (zstd) and are stored as they come...
PT="python3 $HERE/../cas/packtool.py codecs"
case $($PT "$T/b/cas") in *" zstd=0") fail "the pulled store has no zstd block ($($PT "$T/b/cas"))" ;; esac
# ...except into a store of format 2, which older binaries read: LZ4 there.
mkdir "$T/e"
$ST --root "$T/c2" import "$T/e" >/dev/null 2>&1
echo "stellarium 2" >"$T/c2/cas/format"
$ST --root "$T/c2" pull --tag os "$REGISTRY/volt/store:v1" >/dev/null || fail "pull into a format-2 store"
case $($PT "$T/c2/cas") in *" zstd=0") ;; *) fail "a format-2 store got zstd blocks ($($PT "$T/c2/cas"))" ;; esac
case $($PT "$T/c2/cas") in *"lz4=0 "*) fail "a format-2 store got no LZ4 block ($($PT "$T/c2/cas"))" ;; esac
$ST --root "$T/c2" fsck >/dev/null || fail "fsck of the format-2 store after pull"
$ST --root "$T/c2" checkout os "$T/out2"
diff -r "$T/src" "$T/out2" || fail "checkout of the format-2 store differs"

out=$($B --json pull --tag os2 "$REGISTRY/volt/store@$digest")
[ "$(echo "$out" | json 'd["blocks_fetched"]')" = 0 ] || fail "a pull of what the store has fetches nothing ($out)"

# A changed tree: only the new blocks travel, both ways.
printf 'changed\n' >"$T/src/etc/motd"
$A import --tag os "$T/src" >/dev/null 2>&1
out=$($A --json push os "$REGISTRY/volt/store:v2")
[ "$(echo "$out" | json 'd["blocks_sent"]')" -le 3 ] || fail "push of a small change sends only new blocks ($out)"
out=$($B --json pull --force --tag os "$REGISTRY/volt/store:v2") # ref os names v1 here
[ "$(echo "$out" | json 'd["blocks_fetched"]')" -le 3 ] || fail "pull of a small change fetches only new blocks ($out)"
[ "$($B cat os:etc/motd)" = changed ] || fail "changed file"

# Errors: unknown tag, bad reference, a tampered blob; none sets a ref.
set +e
err=$($B pull --tag bad "$REGISTRY/volt/store:nope" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$err" | grep -q "404" || fail "unknown tag: $rc $err"
err=$($B pull --tag bad "volt/store:v1" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$err" | grep -q "registry" || fail "reference without registry: $rc $err"
set -e
# Tamper with the big file's first block in the registry's storage (same size).
mkdir -p "$T/c"
victim=$(find "$T/reg/storage" -path '*/blobs/sha256/*/data' -size +60k | head -1)
[ -n "$victim" ] || fail "no blob to tamper with"
size=$(stat -c %s "$victim")
head -c "$size" /dev/zero >"$victim"
set +e
err=$($ST --root "$T/c" pull --tag bad "$REGISTRY/volt/store:v1" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && echo "$err" | grep -Eq "digest|block .*(format|hash|corrupt)" || fail "tampered blob: $rc $err"
[ -z "$($ST --root "$T/c" refs 2>/dev/null)" ] || fail "a failed pull left a ref"
echo "PASS"
