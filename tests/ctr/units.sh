#!/bin/sh
# Containers as systemd units, tested against a real systemd PID 1: the
# host's OS booted in a container (tests/harness/systemd-env.sh), with
# the build tree bound in, runs units-inner.sh.
# usage: units.sh VOLT LAUNCHER SRCDIR PROJECT_ROOT BUILD_ROOT
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$(realpath "$3") top=$(realpath "$4") build=$(realpath "$5")
tmp=$(mktemp -d /var/tmp/volt-units-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" || exit $?
binds="$top $tmp"
case $build in "$top"/*) ;; *) binds="$binds $build" ;; esac
# shellcheck disable=SC2086
sh "$src/../harness/systemd-env.sh" $binds -- sh "$src/units-inner.sh" "$volt" "$launcher" "$src" "$tmp"
