#!/bin/sh
# -v under the default policy: a read-write volume of a host directory
# owned by the host's root is writable with ":rw,idmap" (the file appears
# owned by the host's root) and with ":U" (the tree is re-owned to the
# container's uids: 524288 + N); a plain rw volume of a directory the
# container's root owns is in the policy (writable, not executable); a
# read-only volume cannot be written.
# usage: volumes.sh VOLT LAUNCHER SRCDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

sh "$src/../../images/busybox-rootfs.sh" "$tmp/image" >/dev/null || exit $?
mkdir -p "$tmp/idmap" "$tmp/U/sub" "$tmp/plain" "$tmp/ro"
echo old >"$tmp/U/sub/old"
ln -s /etc/passwd "$tmp/U/link-out"
chown 524288:524288 "$tmp/plain"

# run VOLUME CMD...: the output, with the exit status on the last line.
run() {
	vol=$1
	shift
	"$volt" run --rm --rootfs "$tmp/image" -v "$vol" -- "$@" 2>&1
	echo "exit $?"
}
owner() { stat -c %u:%g "$1" 2>/dev/null; }

echo "== rw,idmap: the container's root writes as the host's root"
out=$(run "$tmp/idmap:/data:rw,idmap" /bin/sh -c 'echo hi >/data/new && mkdir /data/dir && echo written')
echo "$out" | sed 's/^/  | /'
if echo "$out" | grep -qx written && [ "$(owner "$tmp/idmap/new")" = 0:0 ] && [ "$(owner "$tmp/idmap/dir")" = 0:0 ]; then
	pass "idmap volume written, files owned by the host's root"
else
	fail "idmap volume: not written as the host's root (new: $(owner "$tmp/idmap/new"))"
fi

echo "== U: the source is re-owned to the container's uids"
out=$(run "$tmp/U:/data:U" /bin/sh -c 'echo hi >/data/new && cat /data/sub/old && echo written')
echo "$out" | sed 's/^/  | /'
if echo "$out" | grep -qx written && [ "$(owner "$tmp/U/new")" = 524288:524288 ] &&
	[ "$(owner "$tmp/U/sub/old")" = 524288:524288 ] && [ "$(owner "$tmp/U")" = 524288:524288 ]; then
	pass "U volume re-owned and written (524288)"
else
	fail "U volume: new $(owner "$tmp/U/new"), sub/old $(owner "$tmp/U/sub/old")"
fi
# The walk re-owns a link itself, never what it points to.
[ "$(owner /etc/passwd)" = 0:0 ] && pass "U did not follow the tree's link out" || fail "U re-owned /etc/passwd"

echo "== plain rw: the target is in the policy (written; not executable)"
out=$(run "$tmp/plain:/data" /bin/sh -c 'cp /bin/busybox /data/bb && echo written && /data/bb true && echo EXECUTED')
echo "$out" | sed 's/^/  | /'
echo "$out" | grep -qx written && pass "plain rw volume written" || fail "plain rw volume not written"
! echo "$out" | grep -qx EXECUTED && pass "a volume is not executable" || fail "a program was executed from a volume"

echo "== ro: not writable"
out=$(run "$tmp/ro:/data:ro,idmap" /bin/sh -c 'echo hi >/data/new && echo written; ls /data >/dev/null && echo listed')
echo "$out" | sed 's/^/  | /'
if ! echo "$out" | grep -qx written && [ ! -e "$tmp/ro/new" ] && echo "$out" | grep -qx listed; then
	pass "ro volume readable, write denied"
else
	fail "ro volume"
fi

echo "== bad options"
out=$("$volt" container create bad --rootfs "$tmp/image" -v "$tmp/ro:/data:idmap,U" 2>&1)
echo "$out" | grep -q "exclude each other" && pass "idmap,U refused" || fail "idmap,U: $out"
out=$("$volt" container create bad2 --rootfs "$tmp/image" -v "/:/data:U" 2>&1)
echo "$out" | grep -q "whole file system" && pass "U of / refused" || fail "U of /: $out"
finish
