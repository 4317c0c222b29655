#!/bin/sh
# Limits the host cannot enforce (no cgroup controller for them) give a
# warning naming the option at create time, as Docker does, instead of
# nothing. The host's cgroups are replaced, in a mount namespace of this
# test's own, by stand-ins: a unified hierarchy offering only cpu and
# pids, then a legacy one whose memory hierarchy is missing and blkio
# read-only.
# usage: unit-limits.sh VOLT LAUNCHER SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$(realpath "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for a mount namespace"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: no mount namespace can be made here"; exit 77; }
tmp=$(mktemp -d /var/tmp/volt-unit-limits-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit 1
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"

# Inside: the stand-in cgroups, then create with every limit.
unshare -m --propagation private sh -eu -c '
	mount -t tmpfs none /sys/fs/cgroup
	echo "cpuset cpu pids" >/sys/fs/cgroup/cgroup.controllers
	"$0" container create v2 --rootfs "$1/image" -m 64M --pids-limit 50 --cpus 0.5 --io-weight 200 -- /bin/true \
		>"$1/v2.out" 2>&1
	umount /sys/fs/cgroup
	mount -t tmpfs none /sys/fs/cgroup
	mkdir /sys/fs/cgroup/pids /sys/fs/cgroup/cpu /sys/fs/cgroup/blkio
	mount -t tmpfs -o ro none /sys/fs/cgroup/blkio
	"$0" container create v1 --rootfs "$1/image" -m 64M --pids-limit 50 --cpus 0.5 --io-weight 200 -- /bin/true \
		>"$1/v1.out" 2>&1
	"$0" container create none --rootfs "$1/image" -- /bin/true >"$1/none.out" 2>&1
' "$volt" "$tmp" || { echo "FAIL: the stand-in cgroups could not be made, or create failed:"; cat "$tmp"/*.out; exit 1; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
has() { grep -q -- "$2" "$tmp/$1.out" || fail "$1: no warning like '$2' in: $(cat "$tmp/$1.out")"; }
hasnt() { ! grep -q -- "$2" "$tmp/$1.out" || fail "$1: an unwanted warning '$2' in: $(cat "$tmp/$1.out")"; }

echo "== unified hierarchy offering cpuset, cpu and pids:"
sed 's/^/  | /' "$tmp/v2.out"
has v2 "warning.*--memory (MemoryMax=) is not enforced.*no memory controller"
has v2 "warning.*--io-weight (IOWeight=) is not enforced.*no io controller"
hasnt v2 "--pids-limit"
hasnt v2 "--cpus"
echo "== legacy hierarchies: no memory, blkio read-only:"
sed 's/^/  | /' "$tmp/v1.out"
has v1 "warning.*--memory (MemoryMax=) is not enforced.*memory cgroup controller is not mounted"
has v1 "warning.*--io-weight (IOWeight=) is not enforced.*blkio cgroup controller is read-only"
hasnt v1 "--pids-limit"
hasnt v1 "--cpus"
echo "== no limits: no warning"
hasnt none "warning"
"$volt" container inspect v2 >/dev/null 2>&1 || fail "v2 was not created (a warning must not stop create)"
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
