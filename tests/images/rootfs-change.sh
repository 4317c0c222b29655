#!/bin/sh
# --rootfs DIR: the cached base follows edits anywhere inside DIR (0.2 keyed
# it on DIR's own mtime and inode, so an edit deep inside was silently
# ignored), and an unchanged DIR reuses its base.
# Usage: rootfs-change.sh VOLT LAUNCHER HELLO-STATIC
set -u
VOLT=$(realpath "$1") LAUNCHER=$(realpath "$2") HELLO=$(realpath "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn is not installed"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static is not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-images-rootfs-XXXXXX")
trap 'rm -rf "$T"' EXIT
tmp=$T
. "$(dirname "$0")/../ctr/checks.sh"
export VOLT_CTR_LAUNCHER="$LAUNCHER"
V="$VOLT --root $T/root"
bases() { ls "$T/root/ctr-bases" 2>/dev/null | grep -v '^\.' | sort; }

D=$T/tree
mkdir -p "$D/usr/bin" "$D/etc/deep/er"
cp /bin/busybox "$D/usr/bin/busybox"
ln -s busybox "$D/usr/bin/cat"
ln -s usr/bin "$D/bin"
echo one >"$D/etc/deep/er/file"

echo "== first container"
expect 0 "one" $V run --rm --rootfs "$D" -- /bin/cat /etc/deep/er/file
first=$(bases)
[ -n "$first" ] || fail "no base was made"

echo "== unchanged tree: the same base"
expect 0 "one" $V run --rm --rootfs "$D" -- /bin/cat /etc/deep/er/file
[ "$(bases)" = "$first" ] || fail "an unchanged tree got another base: $(bases | tr '\n' ' ')"

echo "== a file edited deep inside (the top directory untouched)"
top=$(stat -c %Y.%i "$D")
echo two >"$D/etc/deep/er/file"
[ "$(stat -c %Y.%i "$D")" = "$top" ] || fail "the edit changed the top directory: the test proves nothing"
expect 0 "two" $V run --rm --rootfs "$D" -- /bin/cat /etc/deep/er/file

echo "== the same edit with the old size and mtime put back (ctime still moves)"
printf 'six\n' >"$D/etc/deep/er/file"
touch -d @1700000000 "$D/etc/deep/er/file"
expect 0 "six" $V run --rm --rootfs "$D" -- /bin/cat /etc/deep/er/file
printf 'ten\n' >"$D/etc/deep/er/file"
touch -d @1700000000 "$D/etc/deep/er/file"
expect 0 "ten" $V run --rm --rootfs "$D" -- /bin/cat /etc/deep/er/file
finish
