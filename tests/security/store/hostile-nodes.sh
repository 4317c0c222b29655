#!/bin/sh
# Escape 6, the store's side: an image with device nodes (c 7:0 loop0,
# c 10:232 kvm, b 8:0 sda), a set-user-ID root file and a file capability
# (security.capability), imported as a tree and as a tar layer. 0.2's
# checkout recreated all of it as root, so `volt run` of the image gave
# the container host devices. Now a safe checkout (stellarium's default)
# and a container base carry none of them, `--full` still restores them,
# and a probe run by `volt run` finds no device node in its root.
# Usage: hostile-nodes.sh STELLARIUM VOLT LAUNCHER PROBE SRCDIR
set -u
ST=$1 volt=$(realpath "$2") launcher=$(realpath "$3") probe=$4 src=$5
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (mknod, systemd-nspawn)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
tmp=$(mktemp -d /tmp/volt-sec-nodes-XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
S="$ST --root $tmp/root"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The hostile tree: an OS tree (so that volt can run it) plus the nodes.
sh "$src/../../../images/busybox-rootfs.sh" "$tmp/img" || exit $?
cp "$probe" "$tmp/img/usr/bin/probe-nodes"
mkdir -p "$tmp/img/usr/lib/evil"
mknod "$tmp/img/usr/lib/evil/loop0" c 7 0
mknod "$tmp/img/usr/lib/evil/kvm" c 10 232
mknod "$tmp/img/usr/lib/evil/sda" b 8 0
chmod 666 "$tmp"/img/usr/lib/evil/*
printf '#!/bin/sh\nid\n' >"$tmp/img/usr/lib/evil/suid"
chmod 4755 "$tmp/img/usr/lib/evil/suid"
cp "$tmp/img/usr/bin/busybox" "$tmp/img/usr/lib/evil/capped"
have_cap=0
if command -v setcap >/dev/null && setcap cap_net_raw+ep "$tmp/img/usr/lib/evil/capped" 2>/dev/null; then have_cap=1; fi
[ $have_cap = 1 ] || echo "note: setcap is not available here: no security.capability case"

# The same as a tar layer (pax SCHILY.xattr for the capability).
python3 - "$tmp/img" "$tmp/img.tar" <<'PY' || { echo "FAIL: tar"; exit 1; }
import os, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for dp, dns, fns in os.walk(src):
        dns.sort()
        for n in sorted(dns) + sorted(fns):
            p = os.path.join(dp, n)
            ti = t.gettarinfo(p, os.path.relpath(p, src))
            try:
                ti.pax_headers = {"SCHILY.xattr.security.capability":
                                  os.getxattr(p, "security.capability", follow_symlinks=False).decode("latin-1")}
            except OSError:
                pass
            if ti.isreg():
                with open(p, "rb") as f:
                    t.addfile(ti, f)
            else:
                t.addfile(ti)
PY
mkdir -p "$tmp/root"
$S import --tag hostile-tree "$tmp/img" >/dev/null 2>&1 || fail "import of the tree"
$S import --tag hostile-tar --tar "$tmp/img.tar" >/dev/null 2>&1 || fail "import of the tar"

for ref in hostile-tree hostile-tar; do
	# The data really has the nodes: a full checkout restores them.
	if $S checkout --full "$ref" "$tmp/full-$ref" >/dev/null 2>&1; then
		[ -c "$tmp/full-$ref/usr/lib/evil/kvm" ] && [ -b "$tmp/full-$ref/usr/lib/evil/sda" ] || fail "$ref: --full lost the device nodes"
		[ -u "$tmp/full-$ref/usr/lib/evil/suid" ] || fail "$ref: --full lost the set-user-ID bit"
	fi
	# stellarium's default checkout.
	$S checkout "$ref" "$tmp/co-$ref" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$ref: checkout"; }
	"$probe" "$tmp/co-$ref" >"$tmp/out" 2>&1
	case $? in
	0) ;;
	1) sed "s|^|$ref, stellarium checkout: |" "$tmp/out"; fail "$ref: a default checkout recreated devices, set-ID bits or capabilities" ;;
	*) cat "$tmp/out"; fail "$ref: probe" ;;
	esac
	[ -x "$tmp/co-$ref/usr/lib/evil/suid" ] && [ -f "$tmp/co-$ref/usr/lib/evil/capped" ] || fail "$ref: the safe checkout lost the regular files"
done

# volt run: the container's base is a checkout of the image. The probe walks /usr
# (where the image put the nodes; the default Landlock policy does not list /).
if ! command -v systemd-nspawn >/dev/null; then
	echo "SKIP: systemd-nspawn is not installed (volt run part)"
	[ $failures -eq 0 ] && exit 77
fi
for ref in hostile-tree hostile-tar; do
	"$volt" run --rm "$ref" -- /usr/bin/probe-nodes /usr >"$tmp/out" 2>&1
	rc=$?
	if grep -q FOUND "$tmp/out"; then
		sed "s|^|$ref, volt run: |" "$tmp/out" | grep FOUND
		fail "$ref: the container's root has device nodes, set-ID files or capabilities from the image"
	elif [ $rc -ne 0 ] || ! grep -q "no device node" "$tmp/out"; then
		cat "$tmp/out"
		fail "$ref: volt run of the probe exited $rc"
	fi
done
ls -a "$tmp/root/ctr-bases" 2>/dev/null | grep '^\.tmp' && fail "a temporary base stayed behind"
echo "$failures failure(s)"
[ $failures -eq 0 ]
