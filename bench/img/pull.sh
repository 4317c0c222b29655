#!/bin/sh
# volt image pull against skopeo copy, from one docker-registry on loopback,
# side by side in one run; and the bytes a second pull of a related image
# transfers against the first.
#
#   bench/img/pull.sh [REPS [WORKDIR]]     (defaults: 3, /var/tmp/volt-img-bench)
#
# The image: three gzip layers made from host trees (/usr/lib/python3.11,
# /usr/share/perl, /usr/lib/x86_64-linux-gnu/perl); the related image
# shares the first two and adds /usr/share/perl5. Each repetition pulls
# the image into a fresh state root with `volt image pull` (fetch, verify,
# import into Stellarium, merge, record) and copies it into a fresh
# directory with `skopeo copy docker://... dir:...` (fetch and verify
# only: no unpacking), alternating which goes first. Reported: median
# wall-clock seconds of each, their ratio, and for the related image the
# layers and bytes fetched by the second pull against the first.
# Needs docker-registry, skopeo and python3. VOLT overrides the binary.
set -eu
REPS=${1:-3}
W=${2:-/var/tmp/volt-img-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
VOLT=${VOLT:-$HERE/../../build/tools/volt}
T=$HERE/../../tests/img
for t in skopeo python3 bc "$VOLT" /usr/bin/docker-registry; do
	command -v "$t" >/dev/null || { echo "missing: $t"; exit 1; }
done
rm -rf "$W"
mkdir -p "$W"
HERE=$T
. "$T/registry.sh"
trap 'registry_stop' EXIT

layer() { printf '{"entries": [{"path": "%s", "type": "tree", "source": "%s"}]}' "$1" "$2"; }
l1=$(layer usr/lib/python3.11 /usr/lib/python3.11)
l2=$(layer usr/share/perl /usr/share/perl)
l3=$(layer usr/lib/perl /usr/lib/x86_64-linux-gnu/perl)
l4=$(layer usr/share/perl5 /usr/share/perl5)
echo "building the images (gzip layers from host trees)..."
printf '{"layers": [%s, %s, %s]}\n' "$l1" "$l2" "$l3" | python3 "$T/oci-layout.py" - "$W/image" >/dev/null
printf '{"layers": [%s, %s, %s]}\n' "$l1" "$l2" "$l4" | python3 "$T/oci-layout.py" - "$W/related" >/dev/null
registry_start "$W/registry"
registry_push "$W/image" bench/image:1
registry_push "$W/related" bench/image:2
size=$(du -sb "$W/registry/storage" | cut -f1)
echo "registry: $REGISTRY, $(echo "$size / 1048576" | bc) MiB of blobs"

now() { date +%s.%N; }
timed() {
	t0=$(now)
	"$@" >"$W/last.log" 2>&1 || { echo "FAILED: $*"; cat "$W/last.log"; exit 1; }
	echo "$(now) - $t0" | bc -l
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

: >"$W/volt.times"
: >"$W/skopeo.times"
for i in $(seq "$REPS"); do
	sync
	if [ $((i % 2)) = 1 ]; then
		timed "$VOLT" --root "$W/root-$i" image pull "$REGISTRY/bench/image:1" >>"$W/volt.times"
		timed skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/bench/image:1" "dir:$W/skopeo-$i" >>"$W/skopeo.times"
	else
		timed skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/bench/image:1" "dir:$W/skopeo-$i" >>"$W/skopeo.times"
		timed "$VOLT" --root "$W/root-$i" image pull "$REGISTRY/bench/image:1" >>"$W/volt.times"
	fi
done
v=$(median <"$W/volt.times")
s=$(median <"$W/skopeo.times")
printf '\npull of one image (%d repetitions, median seconds)\n' "$REPS"
printf '  volt image pull   %6.2f s   (%s)\n' "$v" "$(tr '\n' ' ' <"$W/volt.times")"
printf '  skopeo copy       %6.2f s   (%s)\n' "$s" "$(tr '\n' ' ' <"$W/skopeo.times")"
printf '  ratio volt/skopeo %6.2f\n' "$(echo "$v / $s" | bc -l)"

"$VOLT" --root "$W/rel" --json image pull "$REGISTRY/bench/image:1" >"$W/first.json"
"$VOLT" --root "$W/rel" --json image pull "$REGISTRY/bench/image:2" >"$W/second.json"
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
b1=$(field "$W/first.json" bytes_fetched)
b2=$(field "$W/second.json" bytes_fetched)
printf '\nrelated image (shares 2 of 3 layers)\n'
printf '  first pull   %s layers fetched, %s bytes\n' "$(field "$W/first.json" layers_fetched)" "$b1"
printf '  second pull  %s layers fetched, %s skipped, %s bytes (%.1f%% of the first)\n' \
	"$(field "$W/second.json" layers_fetched)" "$(field "$W/second.json" layers_skipped)" "$b2" \
	"$(echo "100 * $b2 / $b1" | bc -l)"
