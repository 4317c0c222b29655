#!/bin/sh
# stellarium push/pull (pack artifacts) against skopeo copy and volt image
# pull of the same tree as one gzip layer, side by side in one run, from
# one docker-registry on loopback.
#
#   bench/img/registry.sh [WORKDIR]       (default /var/tmp/volt-registry-bench)
#
# Trees: a Debian bookworm minbase rootfs (the tarball under
# /var/cache/volt-tests/) and a perl+python library tree (/usr/share/perl,
# /usr/lib/python3*). For each: the tree as one gzip layer (an OCI layout)
# pushed with `skopeo copy oci:... docker://...` against `stellarium push`
# of the imported tree; `stellarium pull` into an empty store against
# `volt image pull` of the layer into an empty state root; the bytes the
# push put in the registry against the gzip layer; and a second push
# after a 1 % change (every 100th regular file grows by 100 bytes)
# against the first. Needs docker-registry, skopeo, python3, bc, gzip.
# ST and VOLT override the binaries; TREES picks trees (default "minbase
# libs"); REPEAT (default 3) rounds of the timings, each against a fresh
# registry, of which the medians are reported (this machine is shared). The gzip layer is written by
# gzip-layout.py (tar | gzip -6, streamed: no tree is held in memory).
set -eu
W=${1:-/var/tmp/volt-registry-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
ST=${ST:-$HERE/../../build/tools/stellarium}
VOLT=${VOLT:-$HERE/../../build/tools/volt}
T=$HERE/../../tests/img
BENCH=$HERE
TREES=${TREES:-minbase libs}
REPEAT=${REPEAT:-3}
MINBASE=${MINBASE:-/var/cache/volt-tests/bookworm-minbase-gcc.tar}
for t in skopeo python3 bc "$ST" "$VOLT" /usr/bin/docker-registry; do
	command -v "$t" >/dev/null || { echo "missing: $t"; exit 1; }
done
[ -r "$MINBASE" ] || { echo "missing: $MINBASE"; exit 1; }
rm -rf "$W"
mkdir -p "$W"
HERE=$T
. "$T/registry.sh"
trap 'registry_stop' EXIT
now() { date +%s.%N; }
timed() { # OUTFILE CMD...: seconds on stdout, the command's output in OUTFILE
	out=$1
	shift
	sync
	t0=$(now)
	"$@" >"$out" 2>"$out.err" || { echo "FAILED: $*" >&2; cat "$out" "$out.err" >&2; exit 1; }
	echo "$(now) - $t0" | bc -l | awk '{printf "%.2f", $1}'
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
ratio() { echo "$1 / $2" | bc -l | awk '{printf "%.2f", $1}'; }

bench_tree() { # NAME DIR
	name=$1 dir=$2 w=$W/$1
	mkdir -p "$w"
	raw=$(du -sb "$dir" | cut -f1)
	layer=$(python3 "$BENCH/gzip-layout.py" "$dir" "$w/layout")
	gz=$(stat -c %s "$w/layout/blobs/sha256/$layer")
	"$ST" --root "$w/store" import --tag tree "$dir" >/dev/null 2>&1

	# REPEAT rounds, each against a fresh registry (nothing there to skip
	# or mount), each round's four timings back to back; the medians count.
	: >"$w/rounds"
	i=1
	while [ $i -le "$REPEAT" ]; do
		[ $i -eq 1 ] || { registry_stop; rm -rf "$W/registry-$name-$((i - 1))" "$w/empty" "$w/volt-root"; }
		registry_start "$W/registry-$name-$i"
		t_skopeo=$(timed "$w/skopeo.out" skopeo copy -q --dest-tls-verify=false "oci:$w/layout" "docker://$REGISTRY/bench/$name-gz:1")
		t_push=$(timed "$w/push1.json" "$ST" --root "$w/store" --json push tree "$REGISTRY/bench/$name:1")
		t_pull=$(timed "$w/pull.json" "$ST" --root "$w/empty" --json pull --tag tree "$REGISTRY/bench/$name:1")
		t_volt=$(timed "$w/volt.out" "$VOLT" --root "$w/volt-root" image pull "$REGISTRY/bench/$name-gz:1")
		echo "$t_push $t_skopeo $t_pull $t_volt" >>"$w/rounds"
		i=$((i + 1))
	done
	sent1=$(json "$w/push1.json" 'd["bytes_sent"]')
	med() { cut -d' ' -f"$1" "$w/rounds" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
	t_push=$(med 1) t_skopeo=$(med 2) t_pull=$(med 3) t_volt=$(med 4)

	# 1 %: every 100th regular file grows by 100 bytes.
	find "$dir" -type f | sort | awk 'NR % 100 == 0' >"$w/changed"
	while read -r f; do head -c 100 /dev/urandom >>"$f"; done <"$w/changed"
	"$ST" --root "$w/store" import --tag tree "$dir" >/dev/null 2>&1
	t_push2=$(timed "$w/push2.json" "$ST" --root "$w/store" --json push tree "$REGISTRY/bench/$name:2")
	sent2=$(json "$w/push2.json" 'd["bytes_sent"]')

	echo "== $name: $raw bytes, $(json "$w/push1.json" 'd["blocks"]') blocks, gzip layer $gz bytes"
	echo "rounds (push skopeo pull volt-pull, seconds): $(tr '\n' ';' <"$w/rounds")"
	echo "push:  stellarium push ${t_push}s   skopeo copy ${t_skopeo}s   ratio $(ratio "$t_push" "$t_skopeo") (target <= 3)"
	echo "pull:  stellarium pull ${t_pull}s   volt image pull ${t_volt}s   ratio $(ratio "$t_pull" "$t_volt") (target <= 1.5)"
	echo "bytes: stellarium push $sent1   gzip layer $gz   ratio $(ratio "$sent1" "$gz") (target <= 1.2)"
	echo "1 %:   second push $sent2 bytes ($(wc -l <"$w/changed") files changed) in ${t_push2}s   of the first $(ratio "$sent2 * 100" "$sent1") % (target <= 10)"
}

echo "command: TREES='$TREES' REPEAT=$REPEAT $0 $W"
echo "stellarium $ST; volt $VOLT"
for t in $TREES; do
	case $t in
	minbase)
		mkdir -p "$W/trees/minbase"
		tar -xf "$MINBASE" -C "$W/trees/minbase"
		;;
	libs)
		mkdir -p "$W/trees/libs/usr/share" "$W/trees/libs/usr/lib"
		cp -a /usr/share/perl "$W/trees/libs/usr/share/"
		cp -a /usr/lib/python3* "$W/trees/libs/usr/lib/"
		;;
	*) echo "unknown tree: $t (minbase, libs)"; exit 1 ;;
	esac
	echo "load: $(uptime)"
	bench_tree "$t" "$W/trees/$t"
done
echo "load: $(uptime)"
