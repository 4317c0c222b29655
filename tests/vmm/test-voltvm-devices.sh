#!/bin/sh
# voltvm's --disk and --net without KVM (--dry-run): the devices and the
# guest's command line it prints, and bad input refused before any guest
# runs: a missing file, a missing store or ref, a tree where an image was
# wanted, an overlay of another image, bad TAP names, too many devices.
# Usage: test-voltvm-devices.sh VOLTVM STELLARIUM FUZZ_DIR
set -u
voltvm=$1
stellarium=$2
kernel=$3/fuzz-vmm-bzimage-corpus/valid
work=$(mktemp -d)
out=$work/out
failed=0
trap 'rm -rf "$work"' EXIT

command -v mkfs.ext4 >/dev/null || { echo "SKIP: mkfs.ext4 not installed (package e2fsprogs)"; exit 77; }

expect() {
	# expect CODE PATTERN ARGS...: exit code CODE and PATTERN in the output.
	code=$1 pattern=$2
	shift 2
	"$voltvm" --kernel "$kernel" --dry-run "$@" > "$out" 2>&1
	rc=$?
	if [ $rc -ne "$code" ] || ! grep -q -- "$pattern" "$out"; then
		echo "FAIL: voltvm $*: exit $rc (wanted $code), output:"
		sed 's/^/    /' "$out"
		failed=1
	else
		echo "PASS: voltvm $* -> $code ($pattern)"
	fi
}

mkdir -p "$work/fs" "$work/tree"
echo hello > "$work/fs/hello.txt"
echo file > "$work/tree/f"
mkfs.ext4 -q -F -d "$work/fs" "$work/a.ext4" 8M > /dev/null 2>&1
mkfs.ext4 -q -F -d "$work/tree" "$work/b.ext4" 8M > /dev/null 2>&1
"$stellarium" --root "$work/volt" import --tag a --image "$work/a.ext4" > /dev/null
"$stellarium" --root "$work/volt" import --tag b --image "$work/b.ext4" > /dev/null
"$stellarium" --root "$work/volt" import --tag tree "$work/tree" > /dev/null
store=$work/volt/cas
truncate -s 1M "$work/raw.img"

# Good: what the guest gets, in order.
expect 0 "disk /dev/vda: Stellarium image a in $store, writes to overlay $work/ov-a" \
	--disk "image=a,store=$store,overlay=$work/ov-a" --disk "path=$work/raw.img,ro"
expect 0 "disk /dev/vdb: raw file $work/raw.img, read-only" \
	--disk "image=a,store=$store,overlay=$work/ov-a" --disk "path=$work/raw.img,ro"
expect 0 "command line: console=ttyS0 root=/dev/vda virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6\$" \
	--cmdline "console=ttyS0 root=/dev/vda" --disk "image=a,store=$store,overlay=$work/ov-a" \
	--disk "path=$work/raw.img"
[ -s "$work/ov-a" ] && echo "PASS: the overlay was created" || { echo "FAIL: no overlay file"; failed=1; }
expect 0 "read-only" --disk "image=a,store=$store"
# The hash works as well as the ref.
hash=$("$stellarium" --root "$work/volt" --json stat a | sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p' | head -1)
[ -n "$hash" ] && expect 0 "Stellarium image $hash" --disk "image=$hash,store=$store"

# Bad input: clear errors, exit 1 (2 for malformed options), no guest.
expect 1 "disk $work/missing.img: No such file or directory" --disk "path=$work/missing.img"
expect 1 "open store $work/nostore" --disk "image=a,store=$work/nostore"
expect 1 "no ref named 'nope'" --disk "image=nope,store=$store"
expect 1 "tree is a directory tree, not a disk image" --disk "image=tree,store=$store"
expect 1 "belongs to image" --disk "image=b,store=$store,overlay=$work/ov-a"
expect 1 "not a Volt disk overlay" --disk "image=a,store=$store,overlay=$work/raw.img"
expect 1 "Is a directory" --disk "path=$work"
expect 1 "not a regular file or block device" --disk "path=/dev/null"
expect 1 "TAP name 'bad/name' may hold only" --net tap=bad/name
expect 1 "TAP name 'a-very-long-tap-name' must have 1 to 15 characters" --net tap=a-very-long-tap-name
expect 1 "not a valid TAP name" --net tap=..
expect 2 "tap=IFNAME is required" --net mac=52:54:00:12:34:56
expect 2 "mac= wants six hex bytes" --net tap=t0,mac=52:54:00:12:34
expect 1 "is multicast" --net tap=t0,mac=53:54:00:12:34:56
expect 2 "mac= given twice" --net tap=t0,mac=52:54:00:12:34:56,mac=52:54:00:12:34:57
expect 2 "unknown key 'size'" --disk "path=$work/raw.img,size=1G"
expect 2 "give either path=FILE or image=REF,store=DIR" --disk "ro"
expect 2 "image= needs store=DIR" --disk "image=a"
expect 2 "store= and overlay= go with image=" --disk "path=$work/raw.img,overlay=$work/x"
expect 2 "too many disks: at most 8" $(for i in 1 2 3 4 5 6 7 8 9; do echo "--disk path=$work/raw.img,ro"; done)
expect 2 "too many NICs: at most 4" --net tap=a --net tap=b --net tap=c --net tap=d --net tap=e
[ -e "$work/ov-b" ] && { echo "FAIL: a refused disk left an overlay behind"; failed=1; }
exit $failed
