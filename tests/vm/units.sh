#!/bin/sh
# VMs as systemd units, against a real systemd PID 1: the host's OS
# booted in a container (tests/harness/systemd-env.sh) runs units-inner.sh.
# The unit runs a stand-in for voltvm (fake-voltvm.sh) that checks the
# command line the manager gives it and plays a guest's console: this
# tests the manager's unit path (start, list, logs, exit status, stop,
# rm) wherever systemd boots, with or without KVM. Real guests under
# voltvm are nested-run.sh.
# Where this host has a /dev/kvm, it is bound into the environment and a
# second part runs the real voltvm as the unit, with a tiny guest (from
# tests/vmm/harness/make-tiny-guest.py) that prints on its UART and resets:
# start, console in the journal, the clean end. (A Linux guest under this
# machine's emulated /dev/kvm is too slow for the suite; Linux guests are
# nested-run.sh's.)
# usage: units.sh VOLT SRCDIR PROJECT_ROOT BUILD_ROOT VOLTVM
set -u
volt=$(realpath "$1") src=$(realpath "$2") top=$(realpath "$3") build=$(realpath "$4") voltvm=$(realpath "$5")
tmp=$(mktemp -d /var/tmp/volt-vm-units-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
binds="$top $tmp"
case $build in "$top"/*) ;; *) binds="$binds $build" ;; esac
real=""
if [ -c /dev/kvm ] && python3 "$top/tests/vmm/harness/make-tiny-guest.py" reset "$tmp/tiny-reset"; then
	binds="$binds /dev/kvm"
	# The unit's environment is systemd's, not the test's: a sanitizer
	# build of voltvm must not run LeakSanitizer, which needs ptrace and
	# hangs under the VMM's own seccomp filter. The wrapper only sets that.
	real="$tmp/voltvm"
	printf '#!/bin/sh\nASAN_OPTIONS=detect_leaks=0 exec %s "$@"\n' "$voltvm" >"$real"
	chmod +x "$real"
fi
# shellcheck disable=SC2086
sh "$top/tests/harness/systemd-env.sh" $binds -- env VOLT_IMAGES_DIR="$VOLT_IMAGES_DIR" \
	VOLT_GUEST_INITRD="$VOLT_GUEST_INITRD" VOLT_TEST_REAL_VOLTVM="$real" \
	sh "$src/units-inner.sh" "$volt" "$src" "$tmp"
