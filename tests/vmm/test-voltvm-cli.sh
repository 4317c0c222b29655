#!/bin/sh
# voltvm's command line without KVM: usage errors exit 2, unusable
# kernels exit 1 with a message that says why, --dry-run loads real and
# synthetic kernels. Usage: test-voltvm-cli.sh VOLTVM FUZZ_DIR
set -u
voltvm=$1
fuzz=$2
out=$(mktemp)
failed=0
trap 'rm -f "$out" "$out.console"' EXIT

expect() {
	# expect CODE PATTERN ARGS...: exit code CODE and PATTERN in the output.
	code=$1 pattern=$2
	shift 2
	"$voltvm" "$@" > "$out" 2>&1
	rc=$?
	if [ $rc -ne "$code" ] || { [ -n "$pattern" ] && ! grep -q -- "$pattern" "$out"; }; then
		echo "FAIL: voltvm $*: exit $rc (wanted $code), output:"
		sed 's/^/    /' "$out"
		failed=1
	else
		echo "PASS: voltvm $* -> $code ($pattern)"
	fi
}

expect 0 "--kernel FILE" --help
expect 0 "voltvm " --version
expect 0 "--no-sandbox" --help
expect 2 "no kernel" --dry-run
expect 2 "unknown option" --frobnicate
expect 2 "needs an argument" --kernel
expect 2 "from 1 to 32" --kernel x --cpus 0
expect 2 "from 1 to 32" --kernel x --cpus 33
expect 2 "from 1 to 32" --kernel x --cpus 2x
expect 2 "invalid memory size" --kernel x --memory lots
expect 2 "auto, bzimage or pvh" --kernel x --boot uefi
expect 2 "unexpected argument" --kernel x extra
expect 1 "unknown console" --kernel x --console tty
expect 1 "kernel /nonexistent" --kernel /nonexistent --dry-run
expect 1 "not a bzImage" --kernel /etc/passwd --dry-run
expect 1 "too old" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/old-protocol" --dry-run
expect 1 "64-bit entry" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/no-64bit" --dry-run
expect 1 "kernel needs" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/valid" --memory 18M --dry-run
expect 1 "between 16 MiB" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/valid" --memory 4G --dry-run
expect 1 "multiple of 2 MiB" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/valid" --memory 33M --dry-run
expect 1 "not an x86-64 ELF executable" --boot pvh --dry-run --kernel /bin/sh
expect 1 "above 4 GiB" --kernel "$fuzz/fuzz-vmm-pvh-corpus/entry-above-4g" --dry-run
expect 1 "not an ELF file" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/valid" --boot pvh --dry-run
expect 1 "initrd /nonexistent" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/valid" --initrd /nonexistent --dry-run
expect 0 "" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/valid" --dry-run
expect 0 "" --kernel "$fuzz/fuzz-vmm-pvh-corpus/valid" --dry-run --cpus 4
expect 0 "" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/valid" --initrd "$fuzz/fuzz-vmm-pvh-corpus/valid" --dry-run
expect 0 "" --kernel "$fuzz/fuzz-vmm-bzimage-corpus/valid" --dry-run --console "file:$out.console"
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | head -1)
if [ -n "$kernel" ] && [ -r "$kernel" ]; then
	expect 0 "VMM overhead" --kernel "$kernel" --dry-run --timing --cmdline "console=ttyS0 quiet"
else
	echo "note: no /boot/vmlinuz-*: real-kernel dry run not checked"
fi
exit $failed
