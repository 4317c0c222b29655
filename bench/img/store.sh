#!/bin/sh
# stellarium push/pull through a docker-registry on loopback against
# skopeo pushing the same tree as an OCI image layer, side by side in one
# run: time and bytes for a first push, for a push of the tree with a few
# files changed, and for a pull into an empty store.
#
#   bench/img/store.sh [SRC [WORKDIR]]    (defaults: /usr/share/perl, /var/tmp/volt-store-bench)
#
# Tree 2 is SRC with every 100th file changed (a line appended). Stellarium
# sends blocks the registry lacks (HEAD first); the OCI image of tree 2 is
# one new gzip layer, all of which skopeo sends. Needs docker-registry,
# skopeo, python3, bc. STELLARIUM overrides the binary.
set -eu
SRC=${1:-/usr/share/perl}
W=${2:-/var/tmp/volt-store-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
ST=${STELLARIUM:-$HERE/../../build/tools/stellarium}
T=$HERE/../../tests/img
for t in skopeo python3 bc "$ST" /usr/bin/docker-registry; do
	command -v "$t" >/dev/null || { echo "missing: $t"; exit 1; }
done
rm -rf "$W"
mkdir -p "$W"
HERE=$T
. "$T/registry.sh"
trap 'registry_stop' EXIT

cp -a "$SRC" "$W/tree1"
cp -a "$SRC" "$W/tree2"
find "$W/tree2" -type f | sort | awk 'NR % 100 == 0' | while read -r f; do echo changed >>"$f"; done
for n in 1 2; do
	printf '{"layers": [{"entries": [{"path": "tree", "type": "tree", "source": "%s"}]}]}\n' "$W/tree$n" |
		python3 "$T/oci-layout.py" - "$W/oci$n" >/dev/null
done
registry_start "$W/registry"

now() { date +%s.%N; }
timed() { t0=$(now); "$@" >"$W/out.json" 2>"$W/err" || { cat "$W/err"; exit 1; }; echo "$(now) - $t0" | bc -l; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$W/out.json" "$1"; }
blobs() { du -sb "$W/registry/storage/docker/registry/v2/blobs" 2>/dev/null | cut -f1 | grep . || echo 0; }

"$ST" --root "$W/a" import --tag t1 "$W/tree1" >/dev/null 2>&1
"$ST" --root "$W/a" import --tag t2 "$W/tree2" >/dev/null 2>&1

b0=$(blobs)
s1=$(timed "$ST" --root "$W/a" --json push t1 "$REGISTRY/bench/store:1"); sb1=$(field bytes_sent); n1=$(field blocks_sent)
s2=$(timed "$ST" --root "$W/a" --json push t2 "$REGISTRY/bench/store:2"); sb2=$(field bytes_sent); n2=$(field blocks_sent)
s3=$(timed "$ST" --root "$W/b" --json pull --tag t1 "$REGISTRY/bench/store:1"); fb3=$(field bytes_fetched)
s4=$(timed "$ST" --root "$W/b" --json pull --tag t2 "$REGISTRY/bench/store:2"); fb4=$(field bytes_fetched); n4=$(field blocks_fetched)
b1=$(blobs)
o1=$(timed skopeo copy -q --dest-tls-verify=false "oci:$W/oci1" "docker://$REGISTRY/bench/oci:1")
b2=$(blobs)
o2=$(timed skopeo copy -q --dest-tls-verify=false "oci:$W/oci2" "docker://$REGISTRY/bench/oci:2")
b3=$(blobs)
o3=$(timed skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/bench/oci:1" "dir:$W/skopeo-dir")

mib() { echo "scale=1; $1 / 1048576" | bc; }
printf 'tree: %s (%s MiB), tree 2 changes every 100th file\n\n' "$SRC" "$(mib "$(du -sb "$W/tree1" | cut -f1)")"
printf '%-34s %8s %10s   %8s %10s   %s\n' "" "volt s" "volt MiB" "oci s" "oci MiB" "ratio (time)"
printf '%-34s %8.2f %10s   %8.2f %10s   %.2f\n' "first push" "$s1" "$(mib "$sb1")" "$o1" "$(mib $((b2 - b1)))" "$(echo "$s1 / $o1" | bc -l)"
printf '%-34s %8.2f %10s   %8.2f %10s   %.2f\n' "push of tree 2" "$s2" "$(mib "$sb2")" "$o2" "$(mib $((b3 - b2)))" "$(echo "$s2 / $o2" | bc -l)"
printf '%-34s %8.2f %10s   %8.2f %10s   %.2f\n' "pull into an empty store / copy" "$s3" "$(mib "$fb3")" "$o3" "$(mib "$(du -sb "$W/skopeo-dir" | cut -f1)")" "$(echo "$s3 / $o3" | bc -l)"
printf '%-34s %8.2f %10s\n' "pull of tree 2 after tree 1" "$s4" "$(mib "$fb4")"
printf '\nblocks sent for tree 2: %s of the tree; fetched: %s\n' "$n2" "$n4"
printf 'registry growth for the stellarium pushes: %s MiB (blocks are stored raw; the OCI layers are gzip)\n' "$(mib $((b1 - b0)))"
