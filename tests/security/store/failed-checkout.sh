#!/bin/sh
# Weakness: failed checkouts left half-written trees (files truncated to
# 0 bytes) and exited 1 without cleaning up. A checkout that fails midway
# (here: one block of the store corrupted in its pack, or its file deleted
# in a store of loose blocks) must leave the destination
# as it was (absent, or the empty directory it was) and no temporary
# directory; an image checkout that fails leaves no file.
# Usage: failed-checkout.sh STELLARIUM
set -u
ST=$1
command -v sha256sum >/dev/null || { echo "SKIP: needs sha256sum"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
tmp=$(mktemp -d /tmp/volt-sec-cofail-XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
S="$ST --root $tmp/root"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$tmp/src/a" "$tmp/src/z"
i=0
while [ $i -lt 40 ]; do
	printf 'file %s of the tree\n' $i >"$tmp/src/a/f$i"
	printf 'file %s of the tree, late\n' $i >"$tmp/src/z/f$i"
	i=$((i + 1))
done
printf 'the victim, whose block goes missing\n' >"$tmp/src/m-victim"
$S import --tag t "$tmp/src" >/dev/null 2>&1 || { echo "FAIL: import"; exit 1; }
head -c 300000 /dev/urandom >"$tmp/disk.img"
$S import --tag disk --image "$tmp/disk.img" --block-size 4K >/dev/null 2>&1 || { echo "FAIL: image import"; exit 1; }

# Blocks are named by their SHA-256: break the victim's, in its pack
# (tests/cas/packtool.py) or as a loose file (blocks/xx/rest).
packtool="$(dirname "$0")/../../cas/packtool.py"
breakblock() {
	if [ -d "$tmp/root/cas/packs" ]; then
		python3 "$packtool" flip "$tmp/root/cas" "$1" >/dev/null 2>&1 && return 0
	fi
	b=$(find "$tmp/root/cas" -type f -name "$(echo "$1" | cut -c3-)*" | head -1)
	[ -n "$b" ] && rm -f "$b"
}
hash=$(sha256sum "$tmp/src/m-victim" | cut -c1-64)
breakblock "$hash" || { echo "FAIL: the victim's block $hash is not in the store"; exit 1; }
# And one block of the image (its second 4K block).
ihash=$(dd if="$tmp/disk.img" bs=4096 skip=1 count=1 2>/dev/null | sha256sum | cut -c1-64)
iblk=
breakblock "$ihash" && iblk=$ihash

echo "== into a new destination"
$S checkout --no-owner t "$tmp/new" >"$tmp/out" 2>&1 && fail "checkout with a missing block succeeded"
cat "$tmp/out"
if [ -e "$tmp/new" ]; then
	fail "the failed checkout left $tmp/new: $(find "$tmp/new" -type f | wc -l) files, $(find "$tmp/new" -type f -empty | wc -l) of them empty"
fi
echo "== into an existing empty destination"
mkdir -m 755 "$tmp/empty"
$S checkout --no-owner t "$tmp/empty" >/dev/null 2>&1 && fail "checkout with a missing block succeeded"
[ -d "$tmp/empty" ] || fail "the existing destination is gone"
[ -z "$(ls -A "$tmp/empty" 2>/dev/null)" ] || fail "the failed checkout left $(find "$tmp/empty" -type f | wc -l) files in $tmp/empty"
[ "$(stat -c %a "$tmp/empty")" = 755 ] || fail "the existing destination's mode changed to $(stat -c %a "$tmp/empty")"
echo "== into an empty mount point (filled in place, emptied on failure)"
if [ "$(id -u)" = 0 ] && mkdir "$tmp/mnt" && mount -t tmpfs -o mode=755 volt-test "$tmp/mnt" 2>/dev/null; then
	$S checkout --no-owner t "$tmp/mnt" >/dev/null 2>&1 && fail "checkout with a missing block succeeded"
	[ -z "$(ls -A "$tmp/mnt" 2>/dev/null)" ] || fail "the failed checkout left $(find "$tmp/mnt" -type f | wc -l) files in the mount point"
	[ -n "${KEEP:-}" ] || umount "$tmp/mnt"
else
	echo "note: no mount point case (needs root)"
fi
echo "== an image"
if [ -n "$iblk" ]; then
	$S checkout disk "$tmp/disk.out" >/dev/null 2>&1 && fail "image checkout with a missing block succeeded"
	[ -e "$tmp/disk.out" ] && fail "the failed image checkout left $tmp/disk.out ($(stat -c %s "$tmp/disk.out") bytes)"
fi
ls -a "$tmp" | grep '^\.tmp' && fail "a temporary directory stayed behind"
echo "$failures failure(s)"
[ $failures -eq 0 ]
