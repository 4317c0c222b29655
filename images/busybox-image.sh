#!/bin/sh
# Build the built-in image as a tar file: busybox-rootfs.sh's tree, owned
# by root, with fixed times so that every build gives the same bytes.
# usage: busybox-image.sh OUTPUT.tar
set -eu
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$(dirname "$0")/busybox-rootfs.sh" "$tmp/root"
tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 --format=gnu -C "$tmp/root" -cf "$out.tmp" .
mv "$out.tmp" "$out"
