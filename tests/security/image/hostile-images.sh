#!/bin/sh
# Every hostile image (hostile-images.py: device nodes, set-user-ID files,
# file capabilities, "/" in disguise as WorkingDir, links over the
# default policy's places, path traversal, expansion bombs, garbage
# configs) goes through each way into Volt: pull from a docker-registry on
# loopback, volt image import of its OCI archive, stellarium import --tar
# of its hostile layer, volt run with a probe (no device node opens, "/"
# and /usr are not writable, no set-user-ID file or file
# capability in the container's base), and volt vm create (nothing boots).
# Each step must end in a clear error (non-zero, "error:") or a safe
# result: never a crash, a hang (timeout), a file outside the store, or a
# half-written state (.tmp* left in the state root, a refused image listed).
# usage: hostile-images.sh VOLT STELLARIUM LAUNCHER PROBE GUEST_INITRD SRCDIR [CASE...]
set -u
volt=$(realpath "$1") st=$(realpath "$2") launcher=$(realpath "$3") probe=$(realpath "$4")
initrd=$(realpath "$5") src=$6
shift 6
HERE=$src/../../img
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (systemd-nspawn, device nodes)"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn (systemd-container) is not installed"; exit 77; }
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
. "$HERE/registry.sh"
T=$(mktemp -d /tmp/volt-sec-hostile-XXXXXX)
chmod 755 "$T"
tmp=$T
trap 'registry_stop; rm -rf "$T" /volt-hostile-dotdot /volt-hostile-abs' EXIT
. "$src/../../ctr/checks.sh"
export VOLT_CTR_LAUNCHER="$launcher" VOLT_GUEST_INITRD="$initrd"
# vm create only sizes the kernel: nothing boots.
head -c 4000000 /dev/urandom >"$T/vmlinux"
export VOLT_GUEST_KERNEL="$T/vmlinux"
VP="$volt --root $T/pull"
VI="$volt --root $T/import"
SI="$st --root $T/stimport"
STEP_TIMEOUT=${HOSTILE_STEP_TIMEOUT:-600}

sh "$src/../../../images/busybox-rootfs.sh" "$T/rootfs" || exit $?
echo "== making the hostile images"
python3 "$src/hostile-images.py" "$T/rootfs" "$T/images" "$@" || { echo "FAIL: hostile-images.py"; exit 1; }
registry_start "$T/reg"

field() { python3 -c 'import json,sys; c=[x for x in json.load(open(sys.argv[1])) if x["name"]==sys.argv[2]][0]; v=eval(sys.argv[3]); print(" ".join(v) if isinstance(v, list) else v)' "$T/images/cases.json" "$1" "$2"; }

# step LABEL COMMAND...: bounded, classified; sets $rc. Exit 0 or a clear error, nothing else.
step() {
	label=$1
	shift
	timeout -k 10 "$STEP_TIMEOUT" "$@" </dev/null >"$T/out" 2>&1
	rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		fail "$label: hung (no answer in ${STEP_TIMEOUT}s)"
	elif [ $rc -gt 128 ]; then
		fail "$label: killed by signal $((rc - 128))"
	elif [ $rc != 0 ] && ! grep -q "error\|^PROBE [0-9]* allowed" "$T/out"; then
		fail "$label: exit $rc without a clear error"
	fi
	if [ $rc = 0 ]; then
		echo "  $label: ok"
	else
		echo "  $label: refused (exit $rc): $(grep -m1 "error\|^PROBE [0-9]* allowed" "$T/out" | head -c 300)"
	fi
}

# Nothing half-written: no .tmp* under the state roots, nothing outside them.
no_leftovers() { # LABEL HOST_PATHS...
	label=$1
	shift
	left=$(find "$T/pull" "$T/import" "$T/stimport" -name '.tmp*' 2>/dev/null | head -5)
	[ -z "$left" ] || { fail "$label: left half-written state: $left"; find "$T/pull" "$T/import" "$T/stimport" -name '.tmp*' -prune -exec rm -rf {} + 2>/dev/null; }
	for p in "$@"; do
		[ ! -e "$p" ] && [ ! -L "$p" ] || { fail "$label: wrote $p outside the store"; rm -f "$p"; }
	done
}

# The base of a container: no device node, no set-user/group-ID file, no security./trusted. xattr, no link to a host file.
scan_base() { # LABEL BASE
	python3 - "$2" <<'PY' || fail "$1: the container's base carries what an image must not bring"
import os, stat, sys
base = sys.argv[1]
passwd = os.stat("/etc/passwd")
bad = []
for dirpath, dirnames, filenames in os.walk(base):
    for n in dirnames + filenames:
        p = os.path.join(dirpath, n)
        st = os.lstat(p)
        rel = os.path.relpath(p, base)
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            bad.append("%s: device %d,%d" % (rel, os.major(st.st_rdev), os.minor(st.st_rdev)))
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID) and not stat.S_ISDIR(st.st_mode):
            bad.append("%s: mode %o" % (rel, st.st_mode & 0o7777))
        if (st.st_dev, st.st_ino) == (passwd.st_dev, passwd.st_ino):
            bad.append("%s: the host's /etc/passwd" % rel)
        try:
            for x in os.listxattr(p, follow_symlinks=False):
                if x.startswith(("security.", "trusted.")):
                    bad.append("%s: xattr %s" % (rel, x))
        except OSError:
            pass
for b in bad[:10]:
    print("    base:", b)
sys.exit(1 if bad else 0)
PY
}

for name in $(python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(open(sys.argv[1]))))' "$T/images/cases.json"); do
	layout=$(field "$name" 'c["layout"]')
	echo "== $name: $(field "$name" 'c["what"]')"
	hosts=$(field "$name" 'c["host_paths"]')
	probe_args=$(field "$name" 'c["probe"]')

	pushed=1
	registry_push "$layout" "hostile/$name:1" >"$T/push.out" 2>&1 || { pushed=0; echo "  push: skopeo refused it: $(head -c 200 "$T/push.out")"; }
	pulled=0
	if [ $pushed = 1 ]; then
		step "pull" $VP image pull "$REGISTRY/hostile/$name:1"
		[ $rc = 0 ] && pulled=1
		if [ $rc != 0 ] && $VP image ls 2>/dev/null | grep -q "hostile/$name"; then
			fail "pull: a refused image is listed"
		fi
	fi
	no_leftovers "pull" $hosts

	tar -C "$layout" -cf "$T/$name.tar" . || fail "tar $name"
	step "import" $VI image import --name "hostile-$name" "$T/$name.tar"
	if [ $rc != 0 ] && $VI image ls 2>/dev/null | grep -q "hostile-$name"; then
		fail "import: a refused image is listed"
	fi
	[ $pulled = 1 ] || { [ $rc = 0 ] && pulled=2; }
	rm -f "$T/$name.tar"
	no_leftovers "import" $hosts

	last=$(field "$name" 'c["layers"][-1]["digest"][7:]')
	if [ "$(field "$name" 'len(c["layers"])')" -gt 1 ]; then
		step "stellarium import --tar" sh -c 'gzip -dc "$1" | "$2" --root "$3" import --tar -' sh \
			"$layout/blobs/sha256/$last" "$st" "$T/stimport"
		no_leftovers "stellarium import" $hosts
	fi

	if [ $pulled = 0 ]; then
		echo "  run, vm create: no image to run (refused)"
		continue
	fi
	if [ $pulled = 1 ]; then
		img="$REGISTRY/hostile/$name:1" V=$VP
	else
		img="hostile-$name" V=$VI
	fi
	step "run" $V run --name "h-$name" -v "$probe:/usr/local/bin/probe-image:ro" "$img" -- \
		/usr/local/bin/probe-image ${probe_args:-write:/pwned}
	sed -n 's/^/    /; /PROBE\|error/p' "$T/out" | head -8
	grep -q "ALLOWED" "$T/out" && fail "run: the probe was allowed what a hostile image must not get"
	if $V container inspect "h-$name" >"$T/inspect.json" 2>/dev/null; then
		base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["paths"]["base"])' "$T/inspect.json")
		[ -d "$base" ] && scan_base "run" "$base"
		step "rm" $V rm --force "h-$name"
	fi
	no_leftovers "run" $hosts

	root=$($V image inspect --json "$img" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])')
	step "vm create" $V vm create "v-$name" --image "$root"
	if [ $rc = 0 ]; then
		step "vm rm" $V vm rm "v-$name"
	elif [ -e "$T/pull/vms/v-$name" ] || [ -e "$T/import/vms/v-$name" ]; then
		fail "vm create: a refused VM left its record"
	fi
	no_leftovers "vm create" $hosts
done

finish
