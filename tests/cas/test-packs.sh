#!/bin/sh
# Packs on disk (store format 2, docs/cas-packs.md): new blocks go into
# pack files with an index; kill -9 while a pack is written and while gc
# repacks leaves a store that fsck accepts and whose refs check out;
# gc runs concurrently with importers; a flipped byte in a pack is found
# by fsck, makes reads fail (never wrong data), and --quarantine names
# the refs that lose blocks; a format-1 store (loose block files) opens,
# takes imports, and migrates, also when the migration is killed.
# Usage: test-packs.sh STELLARIUM
set -eu
ST=$1
HERE=$(dirname "$0")
command -v python3 >/dev/null || { echo "SKIP: needs python3 to make test data"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-cas-packs-XXXXXX")
trap 'rm -rf "$T"' EXIT
S="$ST --root $T/root"
C=$T/root/cas
fail() { echo "FAIL: $*"; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }

# mk DIR SEED N SIZE...: N files of random data, sizes drawn from SIZE...
mk() {
	python3 - "$@" <<'PY'
import os, random, sys
root, seed, n, sizes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), [int(s) for s in sys.argv[4:]]
r = random.Random(seed)
os.makedirs(root, exist_ok=True)
for i in range(n):
    with open(f"{root}/f{i}", "wb") as f:
        f.write(r.randbytes(r.choice(sizes)))
PY
}

# Every ref checks out as the tree it was imported from ($T/src-REF), fsck is clean.
check() {
	$S fsck >"$T/fsck.out" 2>&1 || { echo "FAIL: fsck after $1:"; cat "$T/fsck.out"; exit 1; }
	for ref in $($S refs | awk '{print $1}'); do
		rm -rf "$T/out"
		$S checkout --no-owner "$ref" "$T/out" >/dev/null 2>&1 || fail "checkout $ref after $1"
		[ -d "$T/src-$ref" ] && { diff -r "$T/src-$ref" "$T/out" >/dev/null || fail "ref $ref differs after $1"; }
	done
	return 0
}

echo "== blocks go into packs"
mk "$T/src-base" 1 40 100 5000 70000 200000
$S import --tag base "$T/src-base" >/dev/null 2>&1
[ "$(cat "$C/format")" = "stellarium 3" ] || fail "a new store is not of format 3: $(cat "$C/format")"
[ ! -e "$C/blocks" ] || fail "a new store has blocks/ ($(find "$C/blocks" -type f | wc -l) files)"
set -- $(python3 "$HERE/packtool.py" count "$C")
[ "$1" -ge 1 ] && [ "$2" -gt 40 ] || fail "expected the blocks in packs, found $1 packs holding $2 blocks"
check "the first import"

echo "== kill -9 while packs are written"
i=0
while [ $i -lt 6 ]; do
	i=$((i + 1))
	rm -rf "$T/src-run$i"
	mk "$T/src-run$i" $((100 + i)) 30 50000 300000 1000000
	$S import --tag "run$i" "$T/src-run$i" >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(( $(rnd) % 40 ))"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	check "an import killed (round $i)"
done
$S gc >/dev/null
check "gc after the killed imports"
# No pack without its index and no temporary stays after gc.
for f in $(ls -A "$C/packs"); do
	case $f in
	pack-*.idx) [ -e "$C/packs/${f%.idx}.pack" ] || fail "index $f has no pack" ;;
	pack-*.pack) [ -e "$C/packs/${f%.pack}.idx" ] || fail "pack $f has no index after gc" ;;
	*) fail "stray file packs/$f after gc" ;;
	esac
done

echo "== kill -9 while gc repacks"
i=0
while [ $i -lt 5 ]; do
	i=$((i + 1))
	# One pack holding "keep" (a quarter of its bytes) and "drop": once
	# "drop" is untagged, gc copies the live quarter into a new pack.
	rm -rf "$T/both" "$T/src-keep$i"
	mk "$T/src-keep$i" $((200 + i)) 8 1000000
	mk "$T/both/drop" $((300 + i)) 24 1000000
	cp -a "$T/src-keep$i" "$T/both/keep"
	$S import --tag both "$T/both" >/dev/null 2>&1
	$S import --tag "keep$i" "$T/src-keep$i" >/dev/null 2>&1
	$S untag both
	$S gc >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$(( $(rnd) % 10 ))"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	check "gc killed while repacking (round $i)"
	$S --json gc >"$T/gc.json" 2>/dev/null || fail "gc after a killed gc"
	check "the gc after a killed gc (round $i)"
done
[ "$(json 'd["blocks_removed"]' <"$T/gc.json")" -ge 0 ]
# The last round's drop blocks are gone from disk: the store holds about what its refs reach.
set -- $($S --json stats | json 'd["stored_bytes"], d["unique_bytes"]')
[ "$1" -lt $(( 2 * $2 + 4000000 )) ] || fail "after gc the store holds $1 bytes for $2 reachable (no repack?)"

echo "== gc concurrent with imports"
i=0
while [ $i -lt 3 ]; do
	i=$((i + 1))
	rm -rf "$T/src-conc$i"
	mk "$T/src-conc$i" $((400 + i)) 20 3000 90000 400000
	cp "$T/src-base/f1" "$T/src-conc$i/shared"
	$S import --tag "conc$i" "$T/src-conc$i" >/dev/null 2>"$T/imp.err" &
	pi=$!
	$S gc >/dev/null 2>"$T/gc1.err" &
	pg1=$!
	$S untag "run$i" >/dev/null 2>&1 || true
	$S gc >/dev/null 2>"$T/gc2.err" &
	pg2=$!
	wait $pi || { cat "$T/imp.err"; fail "import concurrent with gc"; }
	wait $pg1 || { cat "$T/gc1.err"; fail "gc concurrent with an import"; }
	wait $pg2 || { cat "$T/gc2.err"; fail "gc concurrent with an import"; }
	check "gc concurrent with an import (round $i)"
done

echo "== a flipped byte in a pack"
# A file of base that is one block (under the chunker's minimum), so its block's name is its SHA-256.
small=$(find "$T/src-base" -type f -size -16k -size +1k | head -1)
[ -n "$small" ] || fail "no one-block file in the test tree"
bad=$(python3 "$HERE/packtool.py" flip "$C" "$(sha256sum "$small" | cut -c1-64)")
set +e
$S fsck --json >"$T/fsck.json" 2>/dev/null
rc=$?
set -e
[ $rc -eq 1 ] || fail "fsck must exit 1 on a flipped byte in a pack (exit $rc)"
[ "$(json 'd["corrupt"]' <"$T/fsck.json")" = 1 ] || fail "fsck counts the corrupt block: $(cat "$T/fsck.json")"
json '[p["hash"] for p in d["problems"] if p["problem"] == "corrupt-block"][0]' <"$T/fsck.json" | grep -qx "$bad" ||
	fail "fsck names the corrupt block $bad"
# The ref holding it: reads fail, and what came out before is the file's own data.
victim=
for ref in $($S refs | awk '{print $1}'); do
	rm -rf "$T/out"
	if ! $S checkout --no-owner "$ref" "$T/out" >/dev/null 2>"$T/co.err"; then
		victim=$ref
		break
	fi
done
[ -n "$victim" ] || fail "no checkout failed with a corrupt block"
grep -q "does not match its hash\|corrupt" "$T/co.err" || fail "checkout error does not say why: $(cat "$T/co.err")"
for f in $(ls "$T/src-$victim"); do
	set +e
	$S cat "$victim:$f" >"$T/cat.out" 2>/dev/null
	rc=$?
	set -e
	if [ $rc -eq 0 ]; then
		cmp -s "$T/cat.out" "$T/src-$victim/$f" || fail "cat $victim:$f returned wrong data"
	else
		cmp -s -n "$(stat -c %s "$T/cat.out")" "$T/cat.out" "$T/src-$victim/$f" || fail "cat $victim:$f returned wrong data before failing"
	fi
done
$S --json fsck --quarantine >"$T/q.json" 2>/dev/null || true
json '[p["detail"] for p in d["problems"] if p["problem"] == "damaged-ref"]' <"$T/q.json" | grep -q "ref $victim loses" ||
	fail "fsck --quarantine does not name ref $victim as damaged: $(cat "$T/q.json")"
ls "$C/quarantine" | grep -q '\.pack$' || fail "the bad pack is not in quarantine/"
# Importing the same data again repairs the store.
$S import --tag "$victim" "$T/src-$victim" >/dev/null 2>&1
check "quarantine and a new import"
# A flipped byte in an index: fsck finds it too.
idx=$(ls "$C"/packs/*.idx | head -1)
printf 'Z' | dd of="$idx" bs=1 seek=100 conv=notrunc 2>/dev/null
set +e
$S fsck >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "fsck must exit 1 on a corrupt index"

echo "== a format-1 store opens, takes imports, migrates"
rm -rf "$T/root" "$T"/src-*
python3 "$HERE/mkstore1.py" "$C" "$T/src-old"
check "opening a format-1 store"
mk "$T/src-new" 500 30 3000 90000 400000
$S import --tag new "$T/src-new" >/dev/null 2>&1
[ ! -e "$C/packs" ] || [ -z "$(ls "$C/packs")" ] || fail "an import into a format-1 store wrote packs"
[ "$(find "$C/blocks" -type f | wc -l)" -gt 30 ] || fail "an import into a format-1 store wrote no loose blocks"
# Killed midway, then run again.
$S migrate >/dev/null 2>&1 &
pid=$!
sleep "0.0$(( $(rnd) % 5 ))"
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
check "a killed migration"
$S --json migrate >"$T/m.json" || fail "migrate"
[ "$(cat "$C/format")" = "stellarium 3" ] || fail "the migrated store is not of format 3"
[ ! -e "$C/blocks" ] || fail "blocks/ stays after the migration"
check "the migration"
$S migrate | grep -q "already" || fail "a second migrate does not say the store is migrated"

echo "== format 2 (packs of LZ4 blocks): written as older binaries read it until migrated"
# Compressible files (random ones would all be stored raw).
mktext() {
	python3 - "$@" <<'PY'
import os, random, sys
root, seed = sys.argv[1], int(sys.argv[2])
r = random.Random(seed)
words = [bytes(r.choice(b"abcdefghij") for _ in range(r.randint(2, 9))) for _ in range(300)]
os.makedirs(root, exist_ok=True)
for i in range(20):
    with open(f"{root}/t{i}", "wb") as f:
        f.write(b" ".join(r.choice(words) for _ in range(r.randint(100, 40000))))
PY
}
F2=$T/f2
mktext "$T/src-old" 1
mktext "$T/src-f3" 2
mkdir "$T/f2-empty"
$ST --root "$F2" import "$T/f2-empty" >/dev/null 2>&1 || fail "create a store under $F2"
[ "$(cat "$F2/cas/format")" = "stellarium 3" ] || fail "a new store is not of format 3"
echo "stellarium 2" >"$F2/cas/format"
$ST --root "$F2" import --tag old "$T/src-old" >/dev/null 2>&1 || fail "import into a format-2 store"
codecs=$(python3 "$HERE/packtool.py" codecs "$F2/cas")
case $codecs in *" zstd=0") ;; *) fail "a format-2 store got zstd blocks ($codecs)" ;; esac
case $codecs in *"lz4=0 "*) fail "a format-2 store got no LZ4 blocks ($codecs)" ;; esac
$ST --root "$F2" --json migrate >"$T/m2.json" || fail "migrate from format 2"
[ "$(cat "$F2/cas/format")" = "stellarium 3" ] || fail "the store migrated from format 2 is not of format 3"
grep -q '"format_before": *2' "$T/m2.json" || fail "migrate --json: $(cat "$T/m2.json")"
$ST --root "$F2" import --tag new "$T/src-f3" >/dev/null 2>&1 || fail "import after migrating from format 2"
codecs=$(python3 "$HERE/packtool.py" codecs "$F2/cas")
case $codecs in *" zstd=0") fail "no zstd blocks after migrating from format 2 ($codecs)" ;; esac
for ref in old f3; do
	rm -rf "$T/out"
	tag=$ref; [ $ref = f3 ] && tag=new
	$ST --root "$F2" checkout --no-owner $tag "$T/out" >/dev/null 2>&1 || fail "checkout $tag of the migrated store"
	diff -r "$T/src-$ref" "$T/out" >/dev/null || fail "ref $tag differs in the migrated store"
done
$ST --root "$F2" fsck >/dev/null 2>&1 || fail "fsck of the store migrated from format 2"
echo "stellarium 4" >"$F2/cas/format"
err=$($ST --root "$F2" refs 2>&1) && fail "a store of an unknown format 4 opened"
echo "$err" | grep -q "unsupported store format" || fail "format 4: $err"

echo "ok: packs written and read, 6 killed imports, 5 killed repacks, gc with imports, corruption found, formats 1 and 2 migrated"
