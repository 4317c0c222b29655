# Sourced (". tests/harness/kvm.sh") by the tests that boot VMs on real
# KVM: the nested harness (tests/vmm/harness/run-nested.sh: a QEMU TCG
# level-1 guest with its own /dev/kvm) unless VOLT_TEST_KVM=direct (this
# host's /dev/kvm), with one retry of a level-1 timeout; and the
# distribution kernel that Volt's guest initrd carries the modules of.
# Needs $top, the source tree's top. POSIX sh; defines only kvm_* names.
# SPDX-License-Identifier: LGPL-2.1-or-later

kvm_skip() {
	echo "SKIP: $*"
	exit 77
}

# The kernel release whose modules INITRD carries (the name in its gzip
# header, "volt-modules=RELEASE"), or nothing.
kvm_initrd_release() {
	python3 -c 'import sys
h = open(sys.argv[1], "rb").read(128)
n = h[10:h.index(b"\0", 10)].decode() if h[3] & 8 else ""
print(n[len("volt-modules="):] if n.startswith("volt-modules=") else "")' "$1"
}

# Set $release to INITRD's kernel release; skip when it has none or
# /boot lacks that kernel (the zero-setup guest kernel).
kvm_need_distro_kernel() {
	command -v python3 >/dev/null || kvm_skip "python3 is not installed"
	release=$(kvm_initrd_release "$1")
	[ -n "$release" ] || kvm_skip "the guest initrd carries no kernel modules (built where /boot had no kernel)"
	[ -r "/boot/vmlinuz-$release" ] || kvm_skip "/boot/vmlinuz-$release (the initrd's kernel) is not installed"
}

# kvm_run INNER CONSOLE WORKDIR [TIMEOUT]: run the script INNER where
# there is KVM, its output (and the harness's) into CONSOLE; WORKDIR is
# its TMPDIR when it runs directly. Nested TCG on a loaded host has been
# seen to stall the level-1 kernel: a level-1 timeout is retried once,
# and said so (the first console kept as CONSOLE.attempt1); a real bug
# fails both. Returns the inner run's status (77: it skipped).
kvm_run() {
	if [ "${VOLT_TEST_KVM:-nested}" = direct ]; then
		[ -c /dev/kvm ] || kvm_skip "VOLT_TEST_KVM=direct but there is no /dev/kvm"
		TMPDIR=$3 sh "$1" >"$2" 2>&1
		return
	fi
	kvm_attempt=1
	while :; do
		sh "$top/tests/vmm/harness/run-nested.sh" "$1" "${4:-600}" >"$2" 2>&1
		kvm_rc=$?
		grep -q "level-1 guest timed out" "$2" || return $kvm_rc
		[ $kvm_attempt -eq 2 ] && return $kvm_rc
		cp "$2" "$2.attempt1"
		echo "note: the level-1 guest timed out (attempt 1); retrying once"
		kvm_attempt=2
	done
}
