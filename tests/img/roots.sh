#!/bin/sh
# Image and layer records keep their data by store refs (img.image.*,
# img.layer.*), which the store's gc walks like any ref, knowing nothing
# of images: `stellarium refs` shows them; `stellarium gc` and
# `volt image prune` give records without refs (a store of 0.3) theirs
# before collecting, and drop the refs a crash left without a record.
# usage: roots.sh VOLT STELLARIUM SRCDIR
set -u
volt=$(realpath "$1") stellarium=$(realpath "$2") src=$3
tmp=$(mktemp -d /tmp/volt-img-roots-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_ROOT="$tmp/root"
# shellcheck source=../ctr/checks.sh
. "$src/../ctr/checks.sh"
refs="$VOLT_ROOT/cas/refs"

printf '%s\n' '{"name":"roots:1","config":{"Cmd":["/bin/true"]},
  "layers":[{"entries":[{"path":"etc","type":"dir"},{"path":"etc/kept","type":"file","content":"kept\n"}]}]}' >"$tmp/spec.json"
python3 "$src/oci-layout.py" "$tmp/spec.json" "$tmp/layout" >/dev/null || fail "oci-layout.py"
tar -C "$tmp/layout" -cf "$tmp/roots.tar" . || fail "tar of the layout"

expect 0 "imported roots:1" "$volt" image import "$tmp/roots.tar"
root=$("$volt" image inspect --json roots:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])')

echo "== every record holds a ref of the store"
expect 0 "^img\.image\.[0-9a-f]\{64\}" "$stellarium" refs
grep -q "^img\.layer\.[0-9a-f]\{64\}" "$tmp/out" || fail "no img.layer ref: $(cat "$tmp/out")"

echo "== a store without them (0.3): gc gives them back and keeps the image"
rm -f "$refs"/img.*
expect 0 "Removed 0 " "$stellarium" gc
expect 0 "^img\.image\." "$stellarium" refs
expect 0 "^kept$" "$stellarium" cat "$root:etc/kept"
rm -f "$refs"/img.*
expect 0 "and 0 blocks" "$volt" image prune
expect 0 "^kept$" "$stellarium" cat "$root:etc/kept"
expect 0 "" "$stellarium" fsck

echo "== a ref a crash left without its record: dropped, its data freed"
ref=$(ls "$refs" | grep '^img\.image\.')
[ -n "$ref" ] || fail "no img.image ref to leave behind"
cp "$refs/$ref" "$tmp/ref"
expect 0 "removed roots:1" "$volt" image rm roots:1
cp "$tmp/ref" "$refs/$ref"
expect 0 "Would remove 0 \|would remove 0 " "$stellarium" gc -n
expect 0 "^kept$" "$stellarium" cat "$root:etc/kept"
expect 0 "Removed [1-9]" "$stellarium" gc
expect 1 "" "$stellarium" cat "$root:etc/kept"
expect 0 "" "$stellarium" refs
grep -q "^img\." "$tmp/out" && fail "refs left: $(cat "$tmp/out")"

echo "== refs of other names in img. stay"
"$stellarium" import --tag img.notes "$tmp/layout" >/dev/null 2>&1 || fail "import --tag img.notes"
expect 0 "" "$stellarium" gc
expect 0 "^img\.notes" "$stellarium" refs
finish
