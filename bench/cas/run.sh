#!/bin/sh
# Stellarium against casync, OSTree, restic and cp -a, side by side in one run.
#
#   bench/cas/run.sh [SRC [WORKDIR]]      (defaults: /usr/share, /var/tmp/volt-cas-bench)
#
# STELLARIUM_OLD=PATH adds a column for another stellarium binary (an older
# build, for before/after figures). Tree 1 is a copy of SRC made first (a
# live SRC may change under the run: another session installing packages);
# tree 2 is a copy of it with every 50th file changed (100
# bytes inserted in the middle), every 200th deleted and 200 MB of new
# files added. Each tool ingests tree 1 then tree 2 into one store, and
# checks out tree 1 into a fresh directory. Reported: wall-clock times,
# throughput, store growth (disk usage), deduplication of tree 2 (its
# logical size / what the store grew by), and Stellarium's ratio to each
# peer. Page caches are warmed first so every tool reads from memory.
# Needs root (OSTree bare mode, ownership) and the Debian packages
# casync and restic; OSTree is measured when installed. STELLARIUM
# overrides the binary. The checkout of tree 1 is also compared with
# `cp -a` of tree 1.
#
# Nothing is deleted during the run: on this machine's ext4 (no journal)
# creating inodes is slow for minutes after many were deleted
# (ext4's "recently deleted" inode check), which would penalise whichever
# tool runs after a deletion. Checkouts stay in WORKDIR/co-TOOL; give the
# run a WORKDIR on a file system with room for two copies of SRC, four
# checkouts and four stores, and delete it afterwards.
set -eu
SRC=${1:-/usr/share}
W=${2:-/var/tmp/volt-cas-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
ST=${STELLARIUM:-$HERE/../../build/tools/stellarium}
OLD=${STELLARIUM_OLD:-}
for t in casync restic python3 bc "$ST" ${OLD:+"$OLD"}; do
	command -v "$t" >/dev/null || { echo "missing: $t"; exit 1; }
done
HAVE_OSTREE=false
command -v ostree >/dev/null && HAVE_OSTREE=true
export RESTIC_PASSWORD=bench RESTIC_CACHE_DIR="$W/restic-cache"
# A WORKDIR whose tree 2 is ready (tree2.done) is reused for a new run as
# long as no store or checkout is left in it (move them aside: deleting
# would slow the next run, see above).
if [ -e "$W" ] && ! [ -e "$W/tree2.done" ]; then
	echo "$W exists: remove it first (and let the file system settle), or pick another WORKDIR"
	exit 1
fi
for d in volt volt-old casync ostree restic co-stellarium co-stellarium-old co-casync co-ostree co-ostree-hardlinks \
	co-restic co-cp; do
	[ ! -e "$W/$d" ] || { echo "$W/$d exists: move it aside first"; exit 1; }
done
mkdir -p "$W"
LOG=$W/log

now() { date +%s.%N; }
# run NAME CMD...: time CMD, print seconds; failure aborts the bench.
timed() {
	name=$1
	shift
	# Nobody pays for flushing what came before.
	sync
	t0=$(now)
	if ! "$@" >>"$LOG" 2>&1; then
		echo "FAILED: $name (see $LOG)" >&2
		exit 1
	fi
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
disk() { du -s --block-size=1 "$@" | awk '{s += $1} END {printf "%.0f\n", s}'; }
bytes() { du -s --block-size=1 --apparent-size "$@" | awk '{s += $1} END {printf "%.0f\n", s}'; }
logical() { du -s --block-size=1 --apparent-size "$1" | awk '{print $1}'; }

if [ ! -e "$W/tree2.done" ]; then
echo "== copying $SRC to tree 1, preparing tree 2 (modified copy of tree 1)"
cp -a "$SRC" "$W/tree1"
cp -a "$W/tree1" "$W/tree2"
python3 - "$W/tree2" <<'PY'
import os, sys, random
root = sys.argv[1]
files = []
for d, dirs, names in os.walk(root):
    dirs.sort()
    for n in sorted(names):
        p = os.path.join(d, n)
        if os.path.isfile(p) and not os.path.islink(p):
            files.append(p)
rnd = random.Random(42)
changed = deleted = 0
for i, p in enumerate(files):
    if i % 200 == 199:
        os.unlink(p); deleted += 1
    elif i % 50 == 0:
        st = os.lstat(p)
        with open(p, "rb") as f:
            data = f.read()
        mid = len(data) // 2
        with open(p, "wb") as f:
            f.write(data[:mid] + rnd.randbytes(100) + data[mid:])
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
        changed += 1
os.makedirs(f"{root}/bench-new", exist_ok=True)
for i in range(40):
    with open(f"{root}/bench-new/f{i}", "wb") as f:
        f.write(rnd.randbytes(5 << 20))
print(f"tree 2: {changed} files changed, {deleted} deleted, 40 x 5 MB added")
PY
touch "$W/tree2.done"
fi
SRC=$W/tree1
echo "== warming the page cache"
tar -C "$SRC" -cf - . | cat >/dev/null
tar -C "$W/tree2" -cf - . | cat >/dev/null
L1=$(logical "$SRC")
L2=$(logical "$W/tree2")
N1=$(find "$SRC" | wc -l)
echo "tree 1: $L1 bytes, $N1 entries; tree 2: $L2 bytes"

echo "== SHA-256 ceiling (openssl, 64 KiB buffers)"
sha1=$(openssl speed -evp sha256 -bytes 65536 -seconds 3 2>/dev/null | awk '/^sha256/ {sub("k", "", $2); print $2}')
# Two processes at once, summed: the ceiling for both cores.
openssl speed -evp sha256 -bytes 65536 -seconds 3 >"$W/sha-a" 2>/dev/null &
openssl speed -evp sha256 -bytes 65536 -seconds 3 >"$W/sha-b" 2>/dev/null
wait
sha2=$(cat "$W/sha-a" "$W/sha-b" | awk '/^sha256/ {sub("k", "", $2); s += $2} END {printf "%.0f", s}')
echo "one core: ${sha1} kB/s; two cores: ${sha2} kB/s"

results=$W/results
: >"$results"
: >"$results.notes"
# record TOOL INGEST1 INGEST2 CHECKOUT STORE1 GROWTH2 (disk usage) STORE1 GROWTH2 (apparent bytes)
record() { echo "$*" >>"$results"; }

# stellarium NAME BINARY STORE CHECKOUT
stellarium() {
	echo "== $1"
	a=$(timed "$1 import 1" "$2" --root "$3" import --tag t1 "$SRC")
	s1=$(disk "$3"); a1=$(bytes "$3")
	b=$(timed "$1 import 2" "$2" --root "$3" import --tag t2 "$W/tree2")
	s2=$(disk "$3"); a2=$(bytes "$3")
	c=$(timed "$1 checkout" "$2" --root "$3" checkout t1 "$4")
	record "$1" "$a" "$b" "$c" "$s1" $((s2 - s1)) "$a1" $((a2 - a1))
	"$2" --root "$3" stats >>"$LOG"
}
stellarium stellarium "$ST" "$W/volt" "$W/co-stellarium"
[ -z "$OLD" ] || stellarium stellarium-old "$OLD" "$W/volt-old" "$W/co-stellarium-old"

echo "== cp -a (checkout reference)"
c=$(timed "cp -a" cp -a "$SRC" "$W/co-cp")
echo "cp -a of tree 1: $c s" >>"$results.notes"
echo "$c" >"$W/cp-seconds"

echo "== casync"
C=$W/casync
mkdir -p "$C"
a=$(timed "casync make 1" casync make --store="$C/store.castr" "$C/t1.caidx" "$SRC")
s1=$(disk "$C"); a1=$(bytes "$C")
b=$(timed "casync make 2" casync make --store="$C/store.castr" "$C/t2.caidx" "$W/tree2")
s2=$(disk "$C"); a2=$(bytes "$C")
c=$(timed "casync extract" casync extract --store="$C/store.castr" "$C/t1.caidx" "$W/co-casync")
record casync "$a" "$b" "$c" "$s1" $((s2 - s1)) "$a1" $((a2 - a1))

if $HAVE_OSTREE; then
echo "== ostree (bare)"
O=$W/ostree
ostree --repo="$O" init --mode=bare
a=$(timed "ostree commit 1" ostree --repo="$O" commit -b t1 --tree=dir="$SRC")
s1=$(disk "$O"); a1=$(bytes "$O")
b=$(timed "ostree commit 2" ostree --repo="$O" commit -b t2 --tree=dir="$W/tree2")
s2=$(disk "$O"); a2=$(bytes "$O")
c=$(timed "ostree checkout copy" ostree --repo="$O" checkout --force-copy t1 "$W/co-ostree")
h=$(timed "ostree checkout hardlink" ostree --repo="$O" checkout t1 "$W/co-ostree-hardlinks")
record ostree "$a" "$b" "$c" "$s1" $((s2 - s1)) "$a1" $((a2 - a1))
echo "ostree hard-link checkout: $h s" >>"$results.notes"
fi

echo "== restic"
R=$W/restic
restic init -q -r "$R"
# Exit 3: the snapshot was made but a file vanished while it was read
# (a live /usr can change under the benchmark); that is not a failure here.
restic_backup() { restic "$@" || [ $? -eq 3 ]; }
a=$(timed "restic backup 1" restic_backup -q -r "$R" backup "$SRC")
s1=$(disk "$R"); a1=$(bytes "$R")
b=$(timed "restic backup 2" restic_backup -q -r "$R" backup "$W/tree2")
s2=$(disk "$R"); a2=$(bytes "$R")
c=$(timed "restic restore" restic -q -r "$R" restore latest --path "$SRC" --target "$W/co-restic")
record restic "$a" "$b" "$c" "$s1" $((s2 - s1)) "$a1" $((a2 - a1))

python3 - "$results" "$L1" "$L2" "$sha1" "$sha2" "$results.notes" "$W/cp-seconds" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
L1, L2 = int(sys.argv[2]), int(sys.argv[3])
sha1, sha2 = float(sys.argv[4] or 0) * 1000, float(sys.argv[5] or 0) * 1000
t = {r[0]: dict(i1=float(r[1]), i2=float(r[2]), co=float(r[3]), s1=int(r[4]), g2=int(r[5]),
               b1=int(r[6]), h2=int(r[7])) for r in rows}
mb = 1e6
print()
print(f"tree 1 {L1/mb:.0f} MB, tree 2 {L2/mb:.0f} MB; SHA-256 ceiling {sha1/mb:.0f} MB/s one core, {sha2/mb:.0f} MB/s two cores")
print(f"{'tool':<11}{'ingest 1':>16}{'ingest 2':>16}{'checkout':>16}{'store 1 MB':>12}{'growth 2 MB':>13}{'dedup 2':>9}")
for name, r in t.items():
    print(f"{name:<11}{r['i1']:7.1f}s {L1/r['i1']/mb:5.0f}MB/s{r['i2']:7.1f}s {L2/r['i2']/mb:5.0f}MB/s"
          f"{r['co']:7.1f}s {L1/r['co']/mb:5.0f}MB/s{r['s1']/mb:12.0f}{r['g2']/mb:13.1f}{L2/max(r['g2'],1):9.1f}x")
print()
print("same, counting apparent file sizes instead of disk usage (no block-size rounding):")
for name, r in t.items():
    print(f"  {name:<11} store 1 {r['b1']/mb:8.0f} MB   growth 2 {r['h2']/mb:8.1f} MB   dedup 2 {L2/max(r['h2'],1):5.1f}x")
v = t["stellarium"]
print()
print("stellarium / peer (>1 means stellarium is better: faster, smaller, deduplicates more)")
for name, r in t.items():
    if name == "stellarium":
        continue
    print(f"  vs {name:<8} ingest 1 {r['i1']/v['i1']:5.2f}x  ingest 2 {r['i2']/v['i2']:5.2f}x  "
          f"checkout {r['co']/v['co']:5.2f}x  store 1 {r['s1']/v['s1']:5.2f}x  dedup 2 {r['g2']/max(v['g2'],1):5.2f}x"
          f" (apparent: store 1 {r['b1']/v['b1']:5.2f}x, dedup 2 {r['h2']/max(v['h2'],1):5.2f}x)")
try:
    print(open(sys.argv[6]).read().strip())
except OSError:
    pass
cp = float(open(sys.argv[7]).read())
print()
print("targets (issue 17): ingest 1 and 2 at least 3x faster than casync and restic, store at most 1.3x restic's,")
print("checkout at most 0.6x cp -a")
for name in [n for n in t if n.startswith("stellarium")]:
    v = t[name]
    for peer in ("casync", "restic"):
        r = t[peer]
        print(f"  {name:<15} vs {peer:<7} ingest 1 {r['i1']/v['i1']:5.2f}x {'met' if r['i1'] >= 3 * v['i1'] else 'MISSED'}"
              f"   ingest 2 {r['i2']/v['i2']:5.2f}x {'met' if r['i2'] >= 3 * v['i2'] else 'MISSED'}")
    r = t["restic"]
    print(f"  {name:<15} store 1 / restic {v['s1']/r['s1']:5.2f}x (apparent {v['b1']/r['b1']:5.2f}x) "
          f"{'met' if v['s1'] <= 1.3 * r['s1'] else 'MISSED'}"
          f"   checkout / cp -a {v['co']/cp:5.2f}x ({v['co']:.1f} s / {cp:.1f} s) {'met' if v['co'] <= 0.6 * cp else 'MISSED'}")
PY
