#!/bin/sh
# kill -9 at random moments of imports and gcs: afterwards fsck must
# accept the store and every ref that exists must check out intact.
# Usage: test-crash.sh STELLARIUM
set -eu
ST=$1
command -v python3 >/dev/null || { echo "SKIP: needs python3 to make test data"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-cas-crash-XXXXXX")
trap 'rm -rf "$T"' EXIT
S="$ST --root $T/root"

# A tree of ~24 MB in 300 files, random data (so every block is new).
python3 - "$T/src" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(1)
for d in range(10):
    os.makedirs(f"{root}/d{d}", exist_ok=True)
    for f in range(30):
        size = rnd.choice([100, 5000, 70000, 200000])
        with open(f"{root}/d{d}/f{f}", "wb") as fh:
            fh.write(rnd.randbytes(size))
PY

# A reference import that must survive everything below.
$S import --tag base "$T/src" >/dev/null 2>&1

check() {
	if ! $S fsck >"$T/fsck.out" 2>&1; then
		echo "FAIL: fsck after $1:"; cat "$T/fsck.out"; exit 1
	fi
	for ref in $($S refs | awk '{print $1}'); do
		rm -rf "$T/out"
		$S checkout --no-owner "$ref" "$T/out" || { echo "FAIL: checkout $ref after $1"; exit 1; }
		case $ref in
		base) diff -r "$T/src" "$T/out" >/dev/null || { echo "FAIL: ref base differs after $1"; exit 1; } ;;
		run*) diff -r "$T/src-$ref" "$T/out" >/dev/null || { echo "FAIL: ref $ref differs after $1"; exit 1; } ;;
		esac
	done
}

i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	# New content each round so the import writes new blocks when killed.
	rm -rf "$T/src-run$i"
	cp -a "$T/src" "$T/src-run$i"
	head -c 3000000 /dev/urandom >"$T/src-run$i/d0/new"
	$S import --tag "run$i" "$T/src-run$i" >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(( $(od -An -N2 -tu2 /dev/urandom) % 40 ))"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	check "import killed (round $i)"
done

# gc killed while it sweeps the runs we drop.
i=0
while [ $i -lt 6 ]; do
	i=$((i + 1))
	$S untag "run$i" 2>/dev/null || true
	$S gc >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$(( $(od -An -N2 -tu2 /dev/urandom) % 10 ))"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	check "gc killed (round $i)"
done
$S gc >/dev/null
check "final gc"
echo "ok: 8 killed imports, 6 killed gcs, fsck clean, refs intact"
