#!/bin/sh
# The files the VM side opens by a path a user gives: a symbolic link
# planted at voltvm's --console file:PATH must not be followed (0.2
# truncated the root file it pointed to), and a FIFO given as --kernel,
# --initrd or a --disk path (voltvm), or as volt vm create's --kernel or
# initrd, must be refused with a clear error, never waited on.
# usage: vmm-files.sh VOLTVM VOLT STELLARIUM KERNEL   (KERNEL: a bzImage voltvm --dry-run loads)
set -u
voltvm=$(realpath "$1") volt=$(realpath "$2") st=$(realpath "$3") kernel=$(realpath "$4")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d /tmp/volt-sec-vmm-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

# run LABEL EXPECTED-MESSAGE CMD...: must exit 1..125 (not the 124 of timeout) with EXPECTED on stderr.
run() {
	label=$1 want=$2
	shift 2
	timeout 10 "$@" </dev/null >"$tmp/out" 2>&1
	rc=$?
	if [ $rc = 124 ] || [ $rc -ge 128 ]; then
		fail "$label: hung or crashed (exit $rc): $(head -c 300 "$tmp/out")"
	elif [ $rc = 0 ]; then
		fail "$label: accepted (exit 0)"
	elif ! grep -q -- "$want" "$tmp/out"; then
		fail "$label: exit $rc without '$want': $(head -c 300 "$tmp/out")"
	else
		echo "ok: $label: exit $rc: $(head -n 1 "$tmp/out")"
	fi
}

echo "== --console file: through a planted symbolic link"
printf 'precious root data\n' >"$tmp/rootfile"
chmod 600 "$tmp/rootfile"
ln -s "$tmp/rootfile" "$tmp/console.log"
# The console is opened before the kernel is read: a missing kernel is enough.
run "console symlink" "symbolic link" "$voltvm" --dry-run --kernel "$tmp/no-kernel" --console "file:$tmp/console.log"
[ "$(cat "$tmp/rootfile")" = "precious root data" ] || fail "the file behind the link was changed: '$(cat "$tmp/rootfile")'"
[ -L "$tmp/console.log" ] || fail "the link was replaced"

echo "== --console file: another user's file is not truncated"
printf 'nobody data\n' >"$tmp/other.log"
chown 65534:65534 "$tmp/other.log"
run "console of another owner" "not overwritten" "$voltvm" --dry-run --kernel "$tmp/no-kernel" --console "file:$tmp/other.log"
[ "$(cat "$tmp/other.log")" = "nobody data" ] || fail "another user's console file was truncated"

echo "== --console file: a new file is 0600, ours is truncated"
printf 'old log\n' >"$tmp/mine.log"
timeout 10 "$voltvm" --dry-run --kernel "$tmp/no-kernel" --console "file:$tmp/new.log" </dev/null >/dev/null 2>&1
timeout 10 "$voltvm" --dry-run --kernel "$tmp/no-kernel" --console "file:$tmp/mine.log" </dev/null >/dev/null 2>&1
[ -f "$tmp/new.log" ] && [ "$(stat -c %a "$tmp/new.log")" = 600 ] || fail "a new console file is not mode 0600: $(stat -c %a "$tmp/new.log" 2>&1)"
[ -f "$tmp/mine.log" ] && [ ! -s "$tmp/mine.log" ] || fail "our own console file was not truncated"

echo "== FIFOs as kernel, initrd, disk"
mkfifo "$tmp/fifo"
run "voltvm --kernel FIFO" "not a regular file" "$voltvm" --dry-run --kernel "$tmp/fifo"
run "voltvm --initrd FIFO" "not a regular file" "$voltvm" --dry-run --kernel "$kernel" --initrd "$tmp/fifo"
run "voltvm --disk path=FIFO" "not a regular file or block device" "$voltvm" --dry-run --kernel "$kernel" --disk "path=$tmp/fifo"
run "voltvm --disk path=FIFO,ro" "not a regular file or block device" "$voltvm" --dry-run --kernel "$kernel" --disk "path=$tmp/fifo,ro"
head -c 1048576 /dev/zero >"$tmp/disk.img"
if "$st" --root "$tmp/store" import --tag d --image "$tmp/disk.img" >/dev/null 2>&1; then
	run "voltvm --disk overlay=FIFO,ro" "not a regular file" "$voltvm" --dry-run --kernel "$kernel" \
		--disk "image=d,store=$tmp/store/cas,overlay=$tmp/fifo,ro"
	run "voltvm --disk overlay=FIFO" "overlay" "$voltvm" --dry-run --kernel "$kernel" \
		--disk "image=d,store=$tmp/store/cas,overlay=$tmp/fifo"
else
	fail "stellarium import --image of a test disk"
fi
VOLT_GUEST_INITRD=$kernel run "volt vm create --kernel FIFO" "is not a file" "$volt" --root "$tmp/root" vm create f1 --image busybox --kernel "$tmp/fifo"
VOLT_GUEST_INITRD=$tmp/fifo run "volt vm create, FIFO initrd" "is not a file" "$volt" --root "$tmp/root" vm create f2 --image busybox --kernel "$kernel"
[ ! -e "$tmp/root/vms/f1" ] && [ ! -e "$tmp/root/vms/f2" ] || fail "a refused VM left a record: $(ls "$tmp/root/vms")"

echo "$failures failure(s)"
[ $failures = 0 ]
