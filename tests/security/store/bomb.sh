#!/bin/sh
# Weakness: expansion bombs. A tree whose entries all point to one child
# tree, 30 levels deep (a few KiB stored, 2^30 files expanded). 0.2's
# `stellarium stats` walked it exponentially (it hangs), and checkout and
# `volt run` wrote until killed, leaving a .tmp-cas-* base. Now stats is
# linear (it completes under `timeout 20`: a bound on the work, the walk
# reads 31 objects), and checkout and volt run fail at once with "too many
# entries", leaving nothing behind.
# Usage: bomb.sh STELLARIUM VOLT LAUNCHER MKBOMB SRCDIR
set -u
ST=$1 volt=$(realpath "$2") launcher=$(realpath "$3") mkbomb=$4 src=$5
tmp=$(mktemp -d /tmp/volt-sec-bomb-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
S="$ST --root $tmp/root"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
mkdir -p "$tmp/root"
"$mkbomb" "$tmp/root/cas" bomb 30 2 >/dev/null || { echo "FAIL: mkbomb"; exit 1; }
# A wider one: 8^10 = 10^9 entries from ten tree objects.
"$mkbomb" "$tmp/root/cas" bomb8 10 8 >/dev/null || { echo "FAIL: mkbomb"; exit 1; }

echo "== stellarium stats, fsck, gc: linear walks"
for verb in stats fsck "gc --dry-run"; do
	# shellcheck disable=SC2086
	timeout 20 $S $verb >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 124 ] && fail "stellarium $verb did not finish within 20 s (an exponential walk)"
	[ $rc -ne 0 ] && [ $rc -ne 124 ] && { cat "$tmp/out"; fail "stellarium $verb exited $rc"; }
done
[ $rc -eq 0 ] && grep -qi "logical" "$tmp/out" 2>/dev/null; true

echo "== checkout: refused before anything is written"
for ref in bomb bomb8; do
	timeout 20 $S checkout --no-owner "$ref" "$tmp/dest" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 124 ]; then
		fail "checkout of $ref still writing after 20 s: $(find "$tmp" -xdev 2>/dev/null | wc -l) entries made"
	elif [ $rc -ne 1 ] || ! grep -q "too many entries" "$tmp/out"; then
		cat "$tmp/out"; fail "checkout of $ref exited $rc without a 'too many entries' error"
	fi
	[ -e "$tmp/dest" ] && fail "checkout of $ref left $tmp/dest ($(find "$tmp/dest" | wc -l) entries)"
	ls -a "$tmp" | grep '^\.tmp' && fail "checkout of $ref left a temporary directory"
	rm -rf "$tmp/dest" "$tmp"/.tmp-*
done
# The limits are the caller's: a small one refuses a small tree, a large one is taken.
"$mkbomb" "$tmp/root/cas" small 3 4 >/dev/null
$S checkout --no-owner --max-entries 50 small "$tmp/small" >"$tmp/out" 2>&1 && fail "--max-entries 50 took 148 entries"
grep -q "too many entries" "$tmp/out" || { cat "$tmp/out"; fail "--max-entries message"; }
$S checkout --no-owner --max-bytes 100 small "$tmp/small" >"$tmp/out" 2>&1 && fail "--max-bytes 100 took 320 bytes"
grep -q "too much data" "$tmp/out" || { cat "$tmp/out"; fail "--max-bytes message"; }
$S checkout --no-owner --max-entries 148 small "$tmp/small" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "--max-entries 148"; }
[ "$(find "$tmp/small" -type f | wc -l)" = 64 ] || fail "the small tree has $(find "$tmp/small" -type f | wc -l) files, not 64"

echo "== volt run: the base fails cleanly"
if [ "$(id -u)" != 0 ] || ! command -v systemd-nspawn >/dev/null; then
	echo "SKIP: volt run part needs root and systemd-nspawn"
else
	# Leftovers of an earlier volt killed midway (0.2 left such a base for good): swept.
	dead=$(sh -c 'echo $$')
	mkdir -p "$tmp/root/ctr-bases/.tmp-cas-0123-$dead/usr" "$tmp/root/ctr-bases/.tmp-checkout-$dead-1/x"
	timeout 30 "$volt" run --rm bomb -- /bin/true >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 124 ]; then
		fail "volt run of the bomb still checking out after 30 s: $(du -sh "$tmp/root" | cut -f1) written"
	elif [ $rc -eq 0 ] || ! grep -q "too many entries" "$tmp/out"; then
		cat "$tmp/out"; fail "volt run of the bomb exited $rc without a 'too many entries' error"
	fi
	sleep 1
	left=$(ls -a "$tmp/root/ctr-bases" 2>/dev/null | grep -v '^\.\.\?$')
	[ -n "$left" ] && fail "volt run left in the bases directory: $left"
fi
echo "$failures failure(s)"
[ $failures -eq 0 ]
