#!/bin/sh
# Runs where /dev/kvm works (inside the level-1 guest of harness/run-nested.sh,
# or directly): boots Debian's kernel under voltvm with a tiny initramfs
# whose init prints markers and resets, once per case, and prints for each
# case its console, prefixed "[case] ", and "VOLT-CASE <case> rc=<exit code>".
# The outer test (test-kvm-boot.sh) judges the output.
# Environment: VOLTVM (binary), KERNEL (bzImage), VMLINUX (ELF with PVH note, optional).
set -u
# A voltvm that ends before reading its input closes the FIFO: the write
# to it must fail, not kill this script (SIGPIPE) before the case's console
# is printed for the outer test to judge.
trap '' PIPE
work=$(mktemp -d /run/volt-l2.XXXXXX)
mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/dev"
cp /bin/busybox "$work/root/bin/busybox"
for app in sh mount cat echo grep reboot poweroff sleep; do ln -s busybox "$work/root/bin/$app"; done
cat > "$work/root/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
echo "VOLT-GUEST-MARKER init is running"
echo "VOLT-GUEST-CMDLINE $(cat /proc/cmdline)"
echo "VOLT-GUEST-CPUS $(grep -c ^processor /proc/cpuinfo)"
if grep -q volt.input=1 /proc/cmdline; then
	mount -t devtmpfs dev /dev
	echo "VOLT-GUEST-WAITING-FOR-INPUT"
	read -t 100 -r line < /dev/ttyS0
	echo "VOLT-GUEST-READ [$line]"
fi
# ACPI soft-off where the test asks for it, else the i8042 reset.
grep -q volt.poweroff=1 /proc/cmdline && poweroff -f
reboot -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.cpio.gz"

cmdline="console=ttyS0 reboot=k panic=-1 volt.token=stardust-42"
quiet="$cmdline quiet"

# run_case NAME ARGS: one voltvm run, console in $work/NAME.out, exit code in $work/NAME.rc.
run_case() {
	name=$1
	shift
	rm -f "$work/$name.out" "$work/$name.rc"
	echo "VOLT-CASE-BEGIN $name"
	timeout -k 10 "${VOLT_CASE_TIMEOUT:-120}" "$VOLTVM" --initrd "$work/initrd.cpio.gz" --memory 256M \
		--timing "$@" < /dev/null > "$work/$name.out" 2>&1
	echo $? > "$work/$name.rc"
}

# The console both ways: once the guest waits for a line, type one into
# voltvm's standard input (a FIFO) and let the guest print it back.
run_input_case() {
	name=$1
	shift
	rm -f "$work/in" "$work/$name.out" "$work/$name.rc"
	mkfifo "$work/in"
	echo "VOLT-CASE-BEGIN $name"
	(timeout -k 10 "${VOLT_CASE_TIMEOUT:-120}" "$VOLTVM" --initrd "$work/initrd.cpio.gz" --memory 256M \
		--timing "$@" < "$work/in" > "$work/$name.out" 2>&1
	 echo $? > "$work/$name.rc") &
	exec 3> "$work/in"
	i=0
	while ! grep -q VOLT-GUEST-WAITING-FOR-INPUT "$work/$name.out" 2>/dev/null &&
		[ $i -lt "${VOLT_CASE_TIMEOUT:-120}" ] && [ ! -e "$work/$name.rc" ]; do
		sleep 1
		i=$((i + 1))
	done
	echo "typed-by-the-host 42" >&3 2>/dev/null
	wait
	exec 3>&-
}

# print_case NAME [LABEL]: the console, each line prefixed "[LABEL] ".
print_case() {
	sed "s/^/[${2:-$1}] /" "$work/$1.out" | tr -d '\r'
}

# Seen intermittently (ASan build, nested QEMU-TCG SVM; see
# harness/README.md): a Linux guest's vCPU 0 shuts down before the guest
# printed anything, and SVM's reset after the shutdown leaves rip 0xfff0.
# Exactly that, and nothing else, is retried once.
early_shutdown() {
	[ "$(cat "$work/$1.rc")" = 3 ] &&
		grep -q "^voltvm: error: guest triple fault (KVM_EXIT_SHUTDOWN) on vCPU 0 at rip 0xfff0" "$work/$1.out" &&
		! grep -v "^voltvm: " "$work/$1.out" | tr -d '\r' | grep -q .
}

# linux_case RUNNER NAME ARGS: a Linux guest through RUNNER (run_case or
# run_input_case), retried once on early_shutdown, the failed attempt's
# console kept as "[NAME.attempt1] " lines; then "VOLT-CASE NAME rc=N".
linux_case() {
	runner=$1
	name=$2
	shift 2
	"$runner" "$name" "$@"
	if early_shutdown "$name"; then
		print_case "$name" "$name.attempt1"
		echo "VOLT-CASE-RETRY $name: vCPU 0 shut down before any guest output (rip 0xfff0); retrying once"
		"$runner" "$name" "$@"
	fi
	print_case "$name"
	echo "VOLT-CASE $name rc=$(cat "$work/$name.rc")"
}

# A VMM exit test: never retried.
vmm_case() {
	run_case "$@"
	print_case "$1"
	echo "VOLT-CASE $1 rc=$(cat "$work/$1.rc")"
}

# earlyprintk: should the early shutdown recur, how far the kernel got shows.
linux_case run_input_case bzimage --kernel "$KERNEL" --cmdline "$cmdline volt.input=1 earlyprintk=ttyS0"
linux_case run_case bzimage-smp --kernel "$KERNEL" --cmdline "$quiet volt.poweroff=1" --cpus 2
if [ -n "${VMLINUX:-}" ] && [ -r "$VMLINUX" ]; then
	linux_case run_case pvh --kernel "$VMLINUX" --cmdline "$quiet volt.poweroff=1"
else
	echo "VOLT-CASE pvh skipped: no vmlinux"
fi
# The VMM's own exits, no Linux (files from harness/make-tiny-guest.py).
if [ -n "${TINY_DIR:-}" ]; then
	vmm_case tiny-reset --kernel "$TINY_DIR/reset" --memory 16M
	vmm_case tiny-triple-fault --kernel "$TINY_DIR/triple-fault" --memory 16M
fi
rm -rf "$work"
exit 0
