#!/bin/sh
# Two importers in two processes at once, and a gc running meanwhile:
# nothing is lost, both refs check out intact, fsck is clean.
# Usage: test-concurrent.sh STELLARIUM
set -eu
ST=$1
command -v python3 >/dev/null || { echo "SKIP: needs python3 to make test data"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-cas-conc-XXXXXX")
trap 'rm -rf "$T"' EXIT
S="$ST --root $T/root"

# Two trees that share half their files, so both importers race on the
# same blocks.
python3 - "$T" <<'PY'
import os, random, sys
t = sys.argv[1]
rnd = random.Random(2)
shared = [rnd.randbytes(rnd.choice([3000, 90000, 400000])) for _ in range(60)]
for name in ("a", "b"):
    os.makedirs(f"{t}/{name}")
    for i, data in enumerate(shared):
        with open(f"{t}/{name}/shared{i}", "wb") as fh:
            fh.write(data)
    for i in range(60):
        with open(f"{t}/{name}/own{i}", "wb") as fh:
            fh.write(rnd.randbytes(rnd.choice([3000, 90000, 400000])))
PY

# Create the store (gc alone would refuse a store that does not exist yet).
mkdir "$T/empty"
$S import "$T/empty" >/dev/null

round=0
while [ $round -lt 3 ]; do
	round=$((round + 1))
	$S import --tag a "$T/a" >/dev/null 2>"$T/a.err" &
	pa=$!
	$S import --tag b "$T/b" >/dev/null 2>"$T/b.err" &
	pb=$!
	$S gc >/dev/null 2>"$T/gc.err" &
	pg=$!
	wait $pa || { echo "FAIL: importer a"; cat "$T/a.err"; exit 1; }
	wait $pb || { echo "FAIL: importer b"; cat "$T/b.err"; exit 1; }
	wait $pg || { echo "FAIL: gc"; cat "$T/gc.err"; exit 1; }
	$S gc >/dev/null
	$S fsck >"$T/fsck.out" 2>&1 || { echo "FAIL: fsck (round $round)"; cat "$T/fsck.out"; exit 1; }
	for r in a b; do
		rm -rf "$T/out"
		$S checkout --no-owner $r "$T/out"
		diff -r "$T/$r" "$T/out" >/dev/null || { echo "FAIL: ref $r differs (round $round)"; exit 1; }
	done
	$S untag a b
	$S gc >/dev/null
done
echo "ok: 3 rounds of two concurrent importers and a gc, nothing lost"
