#!/bin/sh
# A container's record is read only from a real directory
# ROOT/containers/NAME and real files in it: a symlink planted for the
# container's directory or its config.json, or a FIFO for config.json,
# is refused with an error naming it, and what it points at is never
# read, obeyed or removed: `volt container list` skips it (and says so),
# inspect, start and rm refuse it. The crafted record asks for a bind
# of a host directory (as a volume) that the real one never had.
# usage: record-symlink.sh VOLT LAUNCHER SRCDIR
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (the state root's containers)"; exit 77; }
tmp=$(mktemp -d /tmp/volt-ctr-symlink-XXXXXX) && [ -d "$tmp" ] || { echo "FAIL: mktemp"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" || exit $?
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
# shellcheck source=checks.sh
. "$src/checks.sh"
# The crafted content must never show: it was read through a link.
unread() { ! grep -q "OUTSIDE-CRAFTED" "$tmp/out" || fail "$1: the crafted record outside the root was read"; }

expect 0 "" "$volt" container create h1 --rootfs "$tmp/image" -- /bin/true
ctrs=$VOLT_ROOT/containers
[ -f "$ctrs/h1/config.json" ] || { echo "FAIL: no config.json for h1"; exit 1; }
mkdir -p "$tmp/outside" "$tmp/hostdir"
echo keep >"$tmp/outside/precious"
python3 - "$ctrs/h1/config.json" "$tmp/outside/config.json" "$tmp/hostdir" <<'PY' || { echo "FAIL: craft"; exit 1; }
import json, sys
src, dst, host = sys.argv[1:4]
c = json.load(open(src))
c["hostname"] = "OUTSIDE-CRAFTED"
c.setdefault("volumes", []).append({"source": host, "target": "/mnt/OUTSIDE-CRAFTED", "read_only": False})
json.dump(c, open(dst, "w"))
PY

echo "== the container directory a symlink to a crafted record"
ln -s "$tmp/outside" "$ctrs/evil"
expect 0 "" "$volt" container list -a
cat "$tmp/out"
unread "container list"
grep -q "h1" "$tmp/out" || fail "container list no longer shows h1"
grep -q "evil" "$tmp/out" && ! grep -q "containers/evil.*symlink" "$tmp/out" &&
	fail "container list shows the planted link as a container"
grep -q "containers/evil.*symlink" "$tmp/out" || fail "container list does not say that containers/evil is a symlink it skipped"
"$volt" container list -a --json >"$tmp/out" 2>/dev/null || fail "container list --json failed on one planted link"
unread "container list --json"
for verb in inspect start rm; do
	"$volt" container "$verb" evil >"$tmp/out" 2>&1 && fail "container $verb of a symlinked container directory succeeded"
	cat "$tmp/out"
	unread "container $verb"
	grep -q "containers/evil.*symlink" "$tmp/out" || fail "container $verb does not name the symlink"
done
[ -f "$tmp/outside/precious" ] && [ -f "$tmp/outside/config.json" ] || fail "what the link points at was removed"
rm -f "$ctrs/evil"

echo "== config.json a symlink in a real container directory"
expect 0 "" "$volt" container create h2 --rootfs "$tmp/image" -- /bin/true
rm "$ctrs/h2/config.json"
ln -s "$tmp/outside/config.json" "$ctrs/h2/config.json"
"$volt" container inspect h2 >"$tmp/out" 2>&1 && fail "container inspect of a symlinked config.json succeeded"
cat "$tmp/out"
unread "container inspect h2"
grep -q "h2/config.json.*symlink" "$tmp/out" || fail "container inspect does not name the symlinked config.json"

echo "== a FIFO for config.json (a reader that blocks forever)"
rm "$ctrs/h2/config.json"
mkfifo "$ctrs/h2/config.json"
timeout 20 "$volt" container inspect h2 >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 124 ] && fail "container inspect hangs on a FIFO for config.json"
[ $rc = 0 ] && fail "container inspect of a FIFO for config.json succeeded"
timeout 20 "$volt" container list -a >"$tmp/out" 2>&1
[ $? = 124 ] && fail "container list hangs on a FIFO for config.json"

echo "== h1 still works"
expect 0 "h1" "$volt" container inspect h1
finish
