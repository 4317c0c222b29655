#!/bin/sh
# Escape 6, the container's side: a device node in the container's root
# (from the image, or planted in the shared base) must not open: the
# overlay root is mounted nodev. nspawn's own /dev still works.
# (Checkout may drop nodes from images: then /var/tmp/rootnode is simply
# absent, and /var/tmp/basenode, made on the host in the base, still tests the
# mount.) The nodes are in /var/tmp, which the default policy lets a workload
# write, so that Landlock does not stand in the way: nodev must.
# usage: device-nodes.sh VOLT LAUNCHER PROBE SRCDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cp -a "$tmp/image" "$tmp/devimg"
mkdir -p "$tmp/devimg/var/tmp" && chmod 1777 "$tmp/devimg/var/tmp"
# c 1:3 is /dev/null's number: harmless if it opens, and it shows that it does.
mknod -m 666 "$tmp/devimg/var/tmp/rootnode" c 1 3 || { echo "SKIP: cannot mknod here"; exit 77; }
expect 0 "" "$volt" container create first --rootfs "$tmp/devimg" -- /bin/true
base=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"]["base"])' <"$("$volt" container inspect first >"$tmp/i.json" && echo "$tmp/i.json")")
[ -d "$base" ] || { fail "no base for the image ($base)"; finish; exit 1; }
mknod -m 666 "$base/var/tmp/basenode" c 1 3

"$volt" run --rm --rootfs "$tmp/devimg" -v "$probe:$probe_in:ro" -- \
	"$probe_in" open /var/tmp/rootnode /var/tmp/basenode /dev/null /dev/zero /dev/full /dev/pts/ptmx >"$tmp/out" 2>&1
echo "  exit status $?"
sed 's/^/  | /' "$tmp/out"
grep -q "^/var/tmp/rootnode: open \(EACCES\|EPERM\|ENOENT\)$" "$tmp/out" || fail "a device node of the image opens in the container"
grep -q "^/var/tmp/basenode: open \(EACCES\|EPERM\)$" "$tmp/out" || fail "a device node in the container's root opens"
for d in /dev/null /dev/zero /dev/full /dev/pts/ptmx; do
	grep -q "^$d: open ok" "$tmp/out" || fail "nspawn's $d does not open in the container"
done
expect 0 "hello" "$volt" run --rm --rootfs "$tmp/devimg" -- /bin/sh -c 'echo hello >/dev/null && ls /dev/pts >/dev/null && echo hello'
finish
