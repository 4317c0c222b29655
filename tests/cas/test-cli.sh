#!/bin/sh
# The stellarium CLI: every verb's --help, exit codes, --json output that
# parses, and the verbs not covered by the reliability tests (image and
# tar import, cat ranges, ls, stat, tag, stats, fsck on corruption).
# Usage: test-cli.sh STELLARIUM
set -eu
ST=$1
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-cas-cli-XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
S="$ST --root $T/root"
fail() { echo "FAIL: $*"; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

for v in import checkout cat ls stat tag refs untag gc fsck migrate stats; do
	$S $v --help | grep -q "Usage: stellarium $v" || fail "$v --help"
done
$ST --help >/dev/null || fail "--help"
set +e
$ST frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown verb must exit 2"
$S import 2>/dev/null; [ $? -eq 2 ] || fail "import without arguments must exit 2"
$S ls nothing 2>/dev/null; [ $? -eq 1 ] || fail "ls of a missing store must exit 1"
set -e

mkdir -p "$T/src/d"
printf 'hello world\n' >"$T/src/d/f"
ln -s d/f "$T/src/l"
head -c 300000 /dev/urandom >"$T/src/big"
root=$($S import --tag t "$T/src" 2>/dev/null)
[ ${#root} -eq 64 ] || fail "import prints the root hash"
[ "$($S --json import "$T/src" | json 'd["root"]')" = "$root" ] || fail "import --json root"
[ "$($S cat t:d/f)" = "hello world" ] || fail "cat"
[ "$($S cat --offset 6 --length 5 t:d/f)" = "world" ] || fail "cat range"
$S cat t:big | cmp - "$T/src/big" || fail "cat big"
[ "$($S ls --json t | json 'len(d)')" = 3 ] || fail "ls --json"
[ "$($S stat --json t:l | json 'd["target"]')" = "d/f" ] || fail "stat --json symlink"
$S ls t:d | grep -q ' f$' || fail "ls"
$S tag t2 "$root"
[ "$($S refs --json | json 'len(d)')" = 2 ] || fail "refs --json"
$S untag t2
[ "$($S stats --json | json 'd["refs"]')" = 1 ] || fail "stats --json"

# A disk image with a hole, read back by range, checked out.
python3 - "$T/disk.img" <<'PY'
import sys, random
r = random.Random(5)
with open(sys.argv[1], "wb") as f:
    f.write(r.randbytes(100000) + bytes(300000) + r.randbytes(123457))
PY
$S import --tag disk --image "$T/disk.img" --block-size 4K >/dev/null 2>&1
[ "$($S stat --json disk | json 'd["block_size"]')" = 4096 ] || fail "image block size"
$S cat disk | cmp - "$T/disk.img" || fail "cat image"
$S cat --offset 99990 --length 20 disk | cmp - "$(dd if="$T/disk.img" bs=1 skip=99990 count=20 2>/dev/null >"$T/slice"; echo "$T/slice")" || fail "cat image range"
$S checkout disk "$T/disk.out"
cmp "$T/disk.img" "$T/disk.out" || fail "image checkout"

# Tar from standard input.
tar -C "$T/src" -cf - . | $S import --tag fromtar --tar - >/dev/null 2>&1
$S checkout fromtar "$T/tarout"
diff -r "$T/src" "$T/tarout" || fail "tar import"

# fsck: clean, then a corrupted block is reported with exit 1.
$S fsck >/dev/null || fail "fsck clean"
# The largest block (a chunk of big), in its pack.
python3 "$(dirname "$0")/packtool.py" flip "$T/root/cas" >/dev/null || fail "no block in a pack"
set +e
out=$($S fsck --json)
rc=$?
set -e
[ $rc -eq 1 ] || fail "fsck must exit 1 on corruption"
[ "$(echo "$out" | json 'd["corrupt"]')" = 1 ] || fail "fsck --json counts the corrupt block"
set +e
$S cat t:big >/dev/null 2>&1; [ $? -eq 1 ] || fail "cat of a corrupt block must fail"
set -e
$S fsck --quarantine >/dev/null 2>&1 || true
# The bad pack goes to quarantine/ with its index; its good blocks stay.
[ "$(ls "$T/root/cas/quarantine" | grep -c '\.pack$')" = 1 ] || fail "quarantine"
$S cat t:d/f >/dev/null || fail "a good block of the quarantined pack is lost"
[ "$(ls "$T/root/cas/quarantine" | wc -l)" = 2 ] || fail "quarantine holds the pack and its index"
echo "ok"
