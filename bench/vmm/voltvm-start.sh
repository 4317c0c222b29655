#!/bin/sh
# What one voltvm costs before its guest does anything, side by side in one
# run: the shared objects it loads, its memory beyond guest RAM on a tiny
# guest, and `voltvm --version` against /bin/true (hyperfine, same run).
#
# Usage: bench/vmm/voltvm-start.sh BUILD_DIR [OTHER_BUILD_DIR ...]
#
# BUILD_DIR is installed with `meson install --destdir` into a scratch
# directory and measured there (LD_LIBRARY_PATH set to its libdir), as a
# distribution would run it. Each OTHER_BUILD_DIR (a baseline such as an
# older build) is measured as built, in place, so that it is not written
# to. Needs /dev/kvm (the tiny guests are a few instructions each, so an
# emulated one is fine), python3 and hyperfine.
#
# The figures:
#   objects    distinct shared objects mapped by a running voltvm
#              (/proc/PID/maps of a guest that halted for good)
#   timing     "VMM overhead" of `voltvm --timing` on a guest that resets
#              at once: process RSS minus resident guest RAM
#   smaps      the same from outside: /proc/PID/smaps_rollup Rss minus the
#              guest RAM mapping's Rss, of the halted guest's process;
#              with it the split into file-backed pages (libraries) and
#              anonymous ones (heap, stacks, library data)
#   version    median of `voltvm --version` and of /bin/true in one hyperfine
#              run (both under that voltvm's LD_LIBRARY_PATH), and the ratio
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: voltvm-start.sh BUILD_DIR [OTHER_BUILD_DIR ...]" >&2; exit 2; }
[ -c /dev/kvm ] || { echo "voltvm-start.sh: no /dev/kvm here" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "voltvm-start.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

work=$(mktemp -d /tmp/voltvm-start-XXXXXX)
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
python3 "$src/tests/vmm/harness/make-tiny-guest.py" reset "$work/reset"
python3 "$src/tests/vmm/harness/make-tiny-guest.py" halt "$work/halt"

# The installed tree of the first build.
build=$(cd "$1" && pwd)
shift
meson install -C "$build" --destdir "$work/stage" --no-rebuild --quiet > "$work/install.log" 2>&1 ||
	{ cat "$work/install.log" >&2; exit 1; }
stage_voltvm=$(find "$work/stage" -type f -name voltvm -perm -u+x | head -1)
stage_lib=$(dirname "$(find "$work/stage" -name 'libvolt-core.so.*' | head -1)")

# label|voltvm|LD_LIBRARY_PATH
echo "installed $build|$stage_voltvm|$stage_lib" > "$work/list"
for b in "$@"; do
	b=$(cd "$b" && pwd)
	echo "as built $b|$b/tools/voltvm|" >> "$work/list"
done

# One voltvm at a time: the halted guest's process, then the timing report.
n=0
while IFS='|' read -r label voltvm libdir; do
	n=$((n + 1))
	out=$work/m$n
	LD_LIBRARY_PATH=$libdir "$voltvm" --kernel "$work/halt" --memory 16M --console "file:$out.console" \
		< /dev/null > "$out.log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	i=0
	until grep -q VOLT-TINY-HELLO "$out.console" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "voltvm ($label) did not start:" >&2; cat "$out.log" >&2; exit 1; }
		sleep 0.05
	done
	sleep 0.2
	cp "/proc/$pid/maps" "$out.maps"
	cp "/proc/$pid/smaps" "$out.smaps"
	cp "/proc/$pid/smaps_rollup" "$out.rollup"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	LD_LIBRARY_PATH=$libdir "$voltvm" --kernel "$work/reset" --memory 16M --console none --timing \
		< /dev/null > "$out.timing" 2>&1 || { cat "$out.timing" >&2; exit 1; }
	echo "$label|$voltvm|$libdir|$out" >> "$work/measured"
done < "$work/list"

# Each voltvm --version beside /bin/true in one hyperfine run, both under
# that voltvm's LD_LIBRARY_PATH (an as-built tree needs none: its RUNPATH
# finds its libraries, and a set LD_LIBRARY_PATH would win over it).
n=0
while IFS='|' read -r label voltvm libdir out; do
	n=$((n + 1))
	if [ -n "$libdir" ]; then
		LD_LIBRARY_PATH=$libdir hyperfine -N --warmup 100 --runs 1000 --export-json "$out.hyperfine.json" \
			/bin/true "$voltvm --version" > "$out.hyperfine.log" 2>&1
	else
		env -u LD_LIBRARY_PATH hyperfine -N --warmup 100 --runs 1000 --export-json "$out.hyperfine.json" \
			/bin/true "$voltvm --version" > "$out.hyperfine.log" 2>&1
	fi || { cat "$out.hyperfine.log" >&2; exit 1; }
done < "$work/measured"

python3 - "$work/measured" <<'PY'
import json, re, sys

def kib(path, key):
    for line in open(path):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0

def guest_rss_kib(smaps, size=16 << 20):
    cur = None
    for line in open(smaps):
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)", line)
        if m:
            lo, hi = int(m.group(1), 16), int(m.group(2), 16)
            cur = hi - lo == size and m.group(3) == "rw-p" and m.group(4) == "0" and not m.group(5)
            continue
        if cur and line.startswith("Rss:"):
            return int(line.split()[1])
    return 0

def objects(maps, exe):
    seen = set()
    for line in open(maps):
        parts = line.split(None, 5)
        if len(parts) == 6:
            path = parts[5].strip()
            if path.startswith("/") and ".so" in path.rsplit("/", 1)[-1] and path != exe:
                seen.add(path)
    return sorted(seen)

rows = []
for line in open(sys.argv[1]):
    label, voltvm, libdir, out = line.rstrip("\n").split("|")
    timing = open(out + ".timing").read()
    m = re.search(r"VMM overhead ([\d.]+) (\w+)", timing)
    over = float(m.group(1)) * (1024 if m and m.group(2) == "GiB" else 1 / 1024 if m and m.group(2) == "KiB" else 1) if m else float("nan")
    rss = kib(out + ".rollup", "Rss")
    guest = guest_rss_kib(out + ".smaps")
    anon = kib(out + ".rollup", "Anonymous") - guest
    files = rss - kib(out + ".rollup", "Anonymous")
    objs = objects(out + ".maps", voltvm)
    bench = json.load(open(out + ".hyperfine.json"))["results"]
    # Medians: on a shared machine a few slow runs move the mean, not the median.
    true_mean, mean = bench[0]["median"], bench[1]["median"]
    rows.append((label, len(objs), over, (rss - guest) / 1024, files / 1024, anon / 1024, mean * 1e3,
                 true_mean * 1e3, mean / true_mean))
    print("%s: %d objects: %s" % (label, len(objs), " ".join(o.rsplit("/", 1)[-1] for o in objs)))
print()
print("%-50s %7s %9s %9s %9s %9s %10s %10s %6s" % ("voltvm", "objects", "timing", "smaps", "(files", "anon)",
                                                     "--version", "/bin/true", "ratio"))
for r in rows:
    print("%-50s %7d %5.2f MiB %5.2f MiB %5.2f MiB %5.2f MiB %7.2f ms %7.2f ms %6.2f" % r)
print()
print("targets (issue 16): at most 12 objects, at most 3 MiB overhead, --version within 2x /bin/true")
PY
