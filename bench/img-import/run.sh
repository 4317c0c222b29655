#!/bin/sh
# volt image import of a docker-archive and an OCI archive, beside skopeo
# copying the same archive to an OCI layout directory, in one run (ratios),
# and what a second, related image adds to the store.
# usage: bench/img-import/run.sh BUILD_DIR [SOURCE_TREE]   (SOURCE_TREE: default /usr/lib/python3)
set -eu
build=$(realpath "$1") src=${2:-/usr/lib/python3}
here=$(dirname "$(realpath "$0")")
volt=$build/tools/volt stellarium=$build/tools/stellarium
tmp=$(mktemp -d /tmp/volt-bench-img-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

cat >"$tmp/spec1.json" <<JSON
{"name": "bench:1", "config": {"Cmd": ["/bin/sh"]},
 "layers": [{"compression": "gzip", "entries": [{"path": "base", "type": "tree", "source": "$src"}]},
            {"compression": "gzip", "entries": [{"path": "app/v", "type": "file", "content": "1\n"}]}]}
JSON
sed 's/"bench:1"/"bench:2"/; s/"content": "1\\n"/"content": "2\\n"/' "$tmp/spec1.json" >"$tmp/spec2.json"
python3 "$here/../../tests/img/oci-layout.py" "$tmp/spec1.json" "$tmp/l1" >/dev/null
python3 "$here/../../tests/img/oci-layout.py" "$tmp/spec2.json" "$tmp/l2" >/dev/null
skopeo copy -q "oci:$tmp/l1:bench:1" "docker-archive:$tmp/b1-docker.tar:bench:1"
skopeo copy -q "oci:$tmp/l1:bench:1" "oci-archive:$tmp/b1-oci.tar:bench:1"
skopeo copy -q "oci:$tmp/l2:bench:2" "oci-archive:$tmp/b2-oci.tar:bench:2"
echo "source tree $src: $(du -sh "$src" | cut -f1); docker-archive $(du -h "$tmp/b1-docker.tar" | cut -f1), OCI archive $(du -h "$tmp/b1-oci.tar" | cut -f1)"
sync

t0=$(now); skopeo copy -q "docker-archive:$tmp/b1-docker.tar" "oci:$tmp/peer1:x"; t1=$(now)
peer_docker=$(secs "$t0" "$t1")
t0=$(now); skopeo copy -q "oci-archive:$tmp/b1-oci.tar:bench:1" "oci:$tmp/peer2:x"; t1=$(now)
peer_oci=$(secs "$t0" "$t1")
t0=$(now); "$volt" --root "$tmp/r1" image import -q "$tmp/b1-docker.tar" >/dev/null; t1=$(now)
volt_docker=$(secs "$t0" "$t1")
t0=$(now); "$volt" --root "$tmp/r2" image import -q "$tmp/b1-oci.tar" >/dev/null; t1=$(now)
volt_oci=$(secs "$t0" "$t1")
printf 'docker-archive: volt image import %.2f s, skopeo copy to oci: %.2f s (volt/skopeo %.2f)\n' \
	"$volt_docker" "$peer_docker" "$(echo "$volt_docker / $peer_docker" | bc -l)"
printf 'OCI archive:    volt image import %.2f s, skopeo copy to oci: %.2f s (volt/skopeo %.2f)\n' \
	"$volt_oci" "$peer_oci" "$(echo "$volt_oci / $peer_oci" | bc -l)"

before=$(du -sb "$tmp/r2/cas/blocks" | cut -f1)
t0=$(now); "$volt" --root "$tmp/r2" image import -q "$tmp/b2-oci.tar" >/dev/null; t1=$(now)
after=$(du -sb "$tmp/r2/cas/blocks" | cut -f1)
printf 'related image (new top layer only): %.2f s, store grew by %s bytes; layer records: %s\n' \
	"$(secs "$t0" "$t1")" "$((after - before))" "$(ls "$tmp/r2/cas/oci/layers" | wc -l)"
echo "store after both images: $(du -sh "$tmp/r2/cas/blocks" | cut -f1) of blocks; skopeo's layout of one: $(du -sh "$tmp/peer2" | cut -f1)"
