#!/bin/sh
# Make a minimal OS tree from Debian's busybox-static: the built-in image
# ("busybox") and the tree container tests run.
# usage: busybox-rootfs.sh DIR
set -eu
dir=$1
# Debian's busybox-static puts a static busybox at /bin/busybox.
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "SKIP: busybox-static is not installed"; exit 77; }
mkdir -p "$dir/usr/bin" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/run" "$dir/var" \
	"$dir/root" "$dir/mnt" "$dir/usr/local/bin"
ln -sfn usr/bin "$dir/bin"
ln -sfn usr/bin "$dir/sbin"
cp "$busybox" "$dir/usr/bin/busybox"
for applet in $("$dir/usr/bin/busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$dir/usr/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$dir/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n' >"$dir/etc/group"
printf 'ID=volt-test\nNAME="Volt test image"\n' >"$dir/etc/os-release"
chmod 1777 "$dir/tmp"
