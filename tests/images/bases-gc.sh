#!/bin/sh
# Container bases (ROOT/ctr-bases) are reclaimed (0.2 never removed one:
# 179 MB stayed after `image rm` + `stellarium gc`): `volt image prune` and
# `stellarium gc` delete the bases no container record references and give
# the disk space back; a base a container (created or exited) uses stays;
# the same tree brought in by `stellarium import DIR` and by a registry pull
# is one tree and so one base; creates racing gc never lose their base;
# a --rootfs base goes too once nothing uses it.
# Usage: bases-gc.sh VOLT STELLARIUM LAUNCHER HELLO-STATIC TESTS-IMG-DIR
set -u
VOLT=$(realpath "$1") ST=$(realpath "$2") LAUNCHER=$(realpath "$3") HELLO=$(realpath "$4") IMG=$(realpath "$5")
. "$(dirname "$0")/common.sh"
need_containers
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static is not installed"; exit 77; }
export VOLT_CTR_LAUNCHER="$LAUNCHER"
R=$T/root
V="$VOLT --root $R"
S="$ST --root $R"
bases() { ls "$R/ctr-bases" 2>/dev/null | grep -v '^\.' | sort; }
nbases() { bases | grep -c .; }
kb() { du -sk "$1" | cut -f1; }

# One tree, as a directory (every mtime the layout's) and as a one-layer image of it.
D=$T/dir
mkdir -p "$D/usr/bin" "$D/etc" "$D/var/big"
cp /bin/busybox "$D/usr/bin/busybox"
ln -s busybox "$D/usr/bin/sh"
ln -s busybox "$D/usr/bin/cat"
ln -s usr/bin "$D/bin"
echo "hello from the tree" >"$D/etc/hello"
head -c 8M /dev/urandom >"$D/var/big/blob" # so that a base left behind shows in du
find "$D" -exec touch -h -d @1700000000 {} +
layout tree "{\"name\": \"1\", \"config\": {\"Cmd\": [\"/bin/cat\", \"/etc/hello\"]},
  \"layers\": [{\"entries\": [{\"path\": \"\", \"type\": \"tree\", \"source\": \"$D\"}]}]}"
registry_start "$T/reg"
registry_push "$T/tree" volt/tree:1 || fail "skopeo copy tree"

echo "== the same tree by two routes: one base"
expect 0 "" $V image pull --json "$REGISTRY/volt/tree:1"
pulled=$(json 'd["root"]' <"$T/out")
imported=$($S import --tag tree "$D" 2>/dev/null) || fail "stellarium import $D"
[ "$pulled" = "$imported" ] || fail "pull and import gave two trees ($pulled, $imported): the test proves nothing"
expect 0 "" $V container create c1 --image "$REGISTRY/volt/tree:1"
expect 0 "" $V container create c2 --image tree
[ "$(nbases)" = 1 ] || fail "one tree, $(nbases) bases: $(bases | tr '\n' ' ')"
base=$R/ctr-bases/$(bases | head -1)

echo "== bases in use stay"
expect 0 "" $S gc
[ -d "$base" ] || fail "stellarium gc removed a base two containers use"
expect 0 '"bases_removed": 0' $V image prune --json
[ -d "$base" ] || fail "image prune removed a base two containers use"
expect 0 "" $V container rm c1
expect 0 "" $V image rm "$REGISTRY/volt/tree:1"
expect 0 "" $S gc
[ -d "$base" ] || fail "gc removed the base of c2 (created, never started)"
expect 0 "hello from the tree" $V run --name c3 tree -- /bin/cat /etc/hello
expect 0 "" $S gc
[ -d "$base" ] || fail "gc removed the base of c3 (exited)"
expect 0 "hello from the tree" $V run --rm tree -- /bin/cat /etc/hello

echo "== nothing uses it: prune frees it and its space"
before=$(kb "$R")
expect 0 "" $V container rm c2 c3
expect 0 "" $S untag tree
expect 0 '"bases_removed": 1' $V image prune --json --dry-run
[ -d "$base" ] || fail "prune --dry-run removed the base"
expect 0 '"bases_removed": 1' $V image prune --json
grep -q '"blocks_removed": 0,' "$T/out" && fail "prune freed no block of the removed image"
[ ! -e "$base" ] || fail "prune left the base nothing uses: $base"
[ "$(nbases)" = 0 ] || fail "bases left: $(bases | tr '\n' ' ')"
after=$(kb "$R")
[ $((before - after)) -ge 12000 ] || fail "the disk usage did not come back: $before KiB before, $after KiB after"
expect 0 "Removed 0 container bases" $V image prune

echo "== a --rootfs base goes with stellarium gc"
expect 0 "hello from the tree" $V run --rm --rootfs "$D" -- /bin/cat /etc/hello
[ "$(nbases)" = 1 ] || fail "no --rootfs base was made"
name=$(bases | head -1)
# The hold file a create leaves until its record names the base (here this shell's, alive).
mkdir -p "$R/ctr-bases.holds" && : >"$R/ctr-bases.holds/$name.$$"
expect 0 "Removed 0 container bases" $S gc
[ "$(nbases)" = 1 ] || fail "stellarium gc removed a base a live process holds"
rm "$R/ctr-bases.holds/$name.$$"
expect 0 "Removed 1 container bases" $S gc
[ "$(nbases)" = 0 ] || fail "stellarium gc left the --rootfs base nothing uses: $(bases)"

echo "== creates racing gc keep their base"
expect 0 "" $S import --tag tree "$D"
for i in 1 2 3 4 5; do
	$V container create "r$i" --image tree >"$T/create$i" 2>&1 &
	cpid=$!
	$S gc >"$T/gc$i" 2>&1 || fail "gc $i: $(cat "$T/gc$i")"
	wait $cpid || fail "create r$i: $(cat "$T/create$i")"
	b=$(json 'd["base"]' <"$R/containers/r$i/config.json")
	[ -d "$b/usr/bin" ] || fail "r$i's base $b is gone"
	$S gc >/dev/null 2>&1
	[ -d "$b/usr/bin" ] || fail "gc after create r$i removed its base"
	expect 0 "" $V container rm "r$i"
done
finish
