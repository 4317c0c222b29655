#!/bin/sh
# What a foreground start no longer does (docs/ctr-start.md), seen from
# outside and from inside the container:
# - the overlay of a `volt run --rm` container is mounted volatile: its
#   unmount at the end does not sync the file system under the state root
#   (an overlay's unmount syncs the whole upper file system otherwise);
#   a container that stays (`volt run` without --rm) keeps a synced one;
# - volt's child mounts the overlay itself and executes systemd-nspawn:
#   the launcher's host side is not executed in between (an LD_PRELOAD
#   log of volt's execs), and a failed mount is volt's error, naming it;
# - nspawn forks no stub init: the launcher's watcher is the container's
#   PID 1 and the workload PID 2, and the watcher reaps the orphans.
# usage: start-path.sh VOLT LAUNCHER EXEC_LOG_SO SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") preload=$(realpath "$3") src=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/volt-ctr-speed-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# The mount options of the container's root, from its own mountinfo.
# shellcheck disable=SC2016 # expanded inside the container
root_opts='awk "\$5 == \"/\" { print \$NF }" /proc/self/mountinfo | tail -n 1'

# 1. Volatile for --rm, synced for a container that stays.
out=$("$volt" run --rm --rootfs "$tmp/image" -- /bin/sh -c "$root_opts" 2>&1)
case $out in
*upperdir=*volatile*) ok "volt run --rm: the root overlay is volatile" ;;
*) bad "volt run --rm: the root overlay is not volatile:"; echo "$out" | sed 's/^/  | /' ;;
esac
out=$("$volt" run --name kept --rootfs "$tmp/image" -- /bin/sh -c "$root_opts" 2>&1)
case $out in
*volatile*) bad "volt run (no --rm): the root overlay of a container that stays is volatile:"; echo "$out" | sed 's/^/  | /' ;;
*upperdir=*) ok "volt run (no --rm): the root overlay is synced as before" ;;
*) bad "volt run (no --rm): no overlay root:"; echo "$out" | sed 's/^/  | /' ;;
esac
out=$("$volt" start -a kept 2>&1) || bad "volt start -a of the kept container failed: $out"
"$volt" rm kept >/dev/null 2>&1

# 2. No launcher between volt and nspawn on the host.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
log=$tmp/exec.log
: >"$log"
out=$(VOLT_TEST_EXEC_LOG="$log" LD_PRELOAD="$preload" "$volt" run --rm --rootfs "$tmp/image" -- /bin/echo started 2>&1)
[ "$out" = started ] || bad "volt run --rm under the exec log: $out"
if grep -qx "$launcher" "$log"; then
	bad "volt run --rm executed the launcher's host side before nspawn:"; sed 's/^/  | /' "$log"
elif grep -q 'systemd-nspawn$' "$log"; then
	ok "volt run --rm: volt's child executes $(grep 'systemd-nspawn$' "$log" | head -n 1) directly"
else
	bad "volt run --rm: no nspawn in the exec log:"; sed 's/^/  | /' "$log"
fi

# 3. The launcher's watcher is PID 1; an orphan does not stay a zombie.
# shellcheck disable=SC2016 # expanded inside the container
out=$("$volt" run --rm --rootfs "$tmp/image" -- /bin/sh -c \
	'echo "pid1=$(cat /proc/1/comm) self=$$"; (sleep 0.1 &); sleep 0.6
	 z=0; for f in /proc/[0-9]*/stat; do case $(cut -d" " -f3 "$f" 2>/dev/null) in Z) z=$((z + 1)) ;; esac; done
	 echo "zombies=$z"' 2>&1)
case $out in
*"pid1=volt-wait self=2"*) ok "the container's PID 1 is the launcher's watcher, the workload PID 2 (no stub init)" ;;
*) bad "the container's PID 1 and the workload:"; echo "$out" | sed 's/^/  | /' ;;
esac
case $out in
*zombies=0*) ok "an orphan of the workload was reaped" ;;
*) bad "an orphan of the workload was not reaped:"; echo "$out" | sed 's/^/  | /' ;;
esac

# 4. A root that cannot be mounted: volt says so, exit 1.
"$volt" container create nomount --rootfs "$tmp/image" -- /bin/true >/dev/null 2>&1
rmdir "$tmp/root/containers/nomount/rootfs"
out=$("$volt" start -a nomount 2>&1)
rc=$?
case "$rc:$out" in
1:*"cannot mount the container's root"*) ok "a root that cannot be mounted: exit 1, '$out'" ;;
*) bad "a root that cannot be mounted: exit $rc:"; echo "$out" | sed 's/^/  | /' ;;
esac
"$volt" rm nomount >/dev/null 2>&1

[ $fail = 0 ] && echo "PASS" || echo "FAILED"
exit $fail
