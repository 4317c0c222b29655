#!/bin/sh
# io.volt.runtime=vm: containerd-shim-volt-v2 runs a bundle as a Stardust
# VM (libvolt-vm) on the distribution's kernel from /boot (the zero-setup
# kernel): the spec's args, env and cwd in the guest, its console in the
# stdout FIFO, the workload's exit status at Wait and Delete; Kill ends
# the VM (137); Delete removes it, and no voltvm is left.
#
# KVM comes from the nested harness (tests/vmm/harness/run-nested.sh)
# unless VOLT_TEST_KVM=direct (tests/harness/kvm.sh). containerd does not run there: the level-1
# guest is QEMU TCG (slow: containerd, a registry and a pull would take
# most of the time budget for nothing the host test does not already
# cover), so the shim is driven over its ttrpc socket as containerd
# drives it (vm-task.py), with `start` as containerd runs it.
#
# usage: vm.sh SHIM VOLTVM INITRD IMAGES_DIR SRCDIR BUILD_DIR
#        vm.sh --skip REASON
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ "${1:-}" = --skip ]; then
	echo "SKIP: $2"
	exit 77
fi
shim=$(realpath "$1") voltvm=$(realpath "$2") initrd=$(realpath "$3")
images=$(realpath "$4") src=$(realpath "$5") build=$(realpath "$6")
top=$src/../..
. "$top/tests/harness/kvm.sh"
[ "$(id -u)" = 0 ] || kvm_skip "needs root (the shim's /run/volt-shim, image checkouts)"
kvm_need_distro_kernel "$initrd"

work=$build/shim-vm-test
rm -rf "$work"
mkdir -p "$work"
sh "$top/images/busybox-rootfs.sh" "$work/rootfs" >/dev/null || exit $?
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat >"$work/inner.sh" <<INNER
set -u
export VOLT_ROOT=\${TMPDIR:-/tmp}/volt-shim-vm-root VOLT_GUEST_INITRD='$initrd' VOLT_VOLTVM='$voltvm'
export VOLT_IMAGES_DIR='$images' VOLT_MINIMAL_KERNEL=/nonexistent/minimal-vmlinux ASAN_OPTIONS=detect_leaks=0
export PATH=\$PATH:/sbin:/usr/sbin
unset VOLT_GUEST_KERNEL
rm -rf "\$VOLT_ROOT"
w=\${TMPDIR:-/tmp}/shim-vm
rm -rf "\$w"
# One bundle per task: config.json and its rootfs (no mounts: the tree is there).
bundle() {
	mkdir -p "\$w/\$1"
	cp -a '$work/rootfs' "\$w/\$1/rootfs"
	cat > "\$w/\$1/config.json"
	: > "\$w/\$1/log"
}
run_task() { # ID [kill]
	cd "\$w/\$1" || return 1
	: > "\$w/\$1.out" # containerd's FIFO, here a file
	a=\$(timeout 30 '$shim' -namespace volt-test -address /nonexistent.sock -publish-binary /bin/true -id "\$1" start </dev/null)
	echo "\$1 start: \$a"
	timeout 400 python3 '$src/vm-task.py' "\${a#unix://}" "\$1" "\$w/\$1" "\$w/\$1.out" \${2:-} 2>&1 | sed "s/^/\$1 /"
	echo "\$1 console:"; tr -d '\r' < "\$w/\$1.out" | grep -a "SHIM-VM" | sed "s/^/\$1 | /"
	echo "\$1 shim log:"; sed "s/^/\$1 log | /" "\$w/\$1/log" | tail -5
	cd /
}
bundle v1 <<'JSON'
{"ociVersion": "1.0.2", "process": {"args": ["/bin/sh", "-c", "echo \"SHIM-VM-WORKLOAD \$GREETING in \$(pwd)\"; exit 6"],
 "env": ["GREETING=hello-from-the-guest", "PATH=/usr/bin:/bin"], "cwd": "/tmp", "user": {"uid": 0, "gid": 0}},
 "root": {"path": "rootfs"}, "annotations": {"io.volt.runtime": "vm"}}
JSON
bundle v2 <<'JSON'
{"ociVersion": "1.0.2", "process": {"args": ["/bin/sh", "-c", "echo SHIM-VM-SLEEPING; sleep 600"],
 "env": ["PATH=/usr/bin:/bin"], "cwd": "/"}, "root": {"path": "rootfs"}, "annotations": {"io.volt.runtime": "vm"}}
JSON
run_task v1
run_task v2 kill
echo "VMS-LEFT \$(ls "\$VOLT_ROOT/vms" 2>/dev/null | tr '\n' ' ')."
echo "VOLTVM-LEFT \$(pgrep -c -x voltvm || true)"
INNER

kvm_run "$work/inner.sh" "$work/console" "$work" 600
rc=$?
grep -a -E "^(v1|v2|VMS-LEFT|VOLTVM-LEFT|run-nested)" "$work/console"
[ $rc -eq 77 ] && { grep SKIP "$work/console"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: the KVM harness exited with $rc"; tail -20 "$work/console"; exit 1; }
want() { grep -a -q -- "$1" "$work/console" && echo "ok: $2" || fail "$2 (no '$1' on the console)"; }
want "^v1 create ok" "Create of an io.volt.runtime=vm bundle"
want "^v1 | SHIM-VM-WORKLOAD hello-from-the-guest in /tmp" "the spec's args, env and cwd in the guest, its console in the stdout FIFO"
want "^v1 wait 6" "Wait: the guest workload's exit status (6)"
want "^v1 delete 6" "Delete: the exit status (6)"
want "^v2 | SHIM-VM-SLEEPING" "the second VM's workload runs"
want "^v2 state 2" "State: RUNNING"
want "^v2 wait 137" "Kill ends the VM (137)"
want "^v2 delete 137" "Delete after Kill"
want "^VMS-LEFT \.$" "Delete removes the VMs"
want "^VOLTVM-LEFT 0$" "no voltvm left"
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
