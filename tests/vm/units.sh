#!/bin/sh
# VMs as systemd units, against a real systemd PID 1: the host's OS
# booted in a container (tests/harness/systemd-env.sh) runs units-inner.sh.
# The unit runs a stand-in for voltvm (fake-voltvm.sh) that checks the
# command line the manager gives it and plays a guest's console: this
# tests the manager's unit path (start, list, logs, exit status, stop,
# rm) wherever systemd boots, with or without KVM. Real guests under
# voltvm are nested-run.sh.
# usage: units.sh VOLT SRCDIR PROJECT_ROOT BUILD_ROOT
set -u
volt=$(realpath "$1") src=$(realpath "$2") top=$(realpath "$3") build=$(realpath "$4")
tmp=$(mktemp -d /var/tmp/volt-vm-units-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
binds="$top $tmp"
case $build in "$top"/*) ;; *) binds="$binds $build" ;; esac
# shellcheck disable=SC2086
sh "$top/tests/harness/systemd-env.sh" $binds -- env VOLT_IMAGES_DIR="$VOLT_IMAGES_DIR" \
	VOLT_GUEST_INITRD="$VOLT_GUEST_INITRD" sh "$src/units-inner.sh" "$volt" "$src" "$tmp"
