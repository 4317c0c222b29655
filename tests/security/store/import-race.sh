#!/bin/sh
# Escape 8: root's import of a tree owned by another user. The owner
# exchanges a directory of the tree and a symlink to a root-only directory
# in a loop; 0.2's workers reopened files by their full path long after
# the walk and stored the root-only file, world-readable (3 of 15 runs).
# Now every file is opened relative to the walk's descriptors: the store
# never holds the secret (checked by checking every import out).
# Usage: import-race.sh STELLARIUM RACE-SWAP
# shellcheck source=race-lib.sh
. "$(dirname "$0")/race-lib.sh"

# Root-only: a directory nobody else may enter, with files of the same names.
mkdir -m 700 "$T/secret"
# The attacker's tree: d/ holds public files; "dl" points at the secret directory.
mkdir "$T/tree" "$T/tree/d"
i=0
while [ $i -lt 300 ]; do
	printf 'public %s\n' $i >"$T/tree/d/f$i"
	printf 'SECRET %s\n' $i >"$T/secret/f$i"
	i=$((i + 1))
done
chmod 600 "$T"/secret/*
chmod 644 "$T"/tree/d/*
ln -s "$T/secret" "$T/tree/dl"
chown -R 65534:65534 "$T/tree"

leaks=0 runs=0 ok=0
while [ $runs -lt 15 ]; do
	runs=$((runs + 1))
	"$SWAP" import "$T/tree" d dl 65534 >"$T/swap.log" 2>&1 &
	pid=$!
	n=0
	while ! grep -q exchanging "$T/swap.log" && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	root=$($S import "$T/tree" 2>"$T/imp.log")
	rc=$?
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
	# Put the tree back the right way round for the next run.
	[ -L "$T/tree/d" ] && mv -T "$T/tree/d" "$T/tree/x" && mv -T "$T/tree/dl" "$T/tree/d" && mv -T "$T/tree/x" "$T/tree/dl"
	if [ $rc -ne 0 ]; then
		# Refusing a tree that changes under the import is fine.
		echo "run $runs: import refused: $(tail -1 "$T/imp.log")"
		continue
	fi
	ok=$((ok + 1))
	rm -rf "$T/out"
	$S checkout --no-owner "$root" "$T/out" >/dev/null 2>&1 || fail "checkout of $root"
	if grep -rl SECRET "$T/out" >"$T/leaked" 2>/dev/null; then
		leaks=$((leaks + 1))
		echo "run $runs: the store holds root-only content: $(wc -l <"$T/leaked") file(s), e.g. $(head -1 "$T/leaked"): $(ls -l "$(head -1 "$T/leaked")" | cut -d' ' -f1) '$(head -1 "$(head -1 "$T/leaked")")'"
	fi
done
[ $leaks -eq 0 ] || fail "$leaks of $runs imports stored files read through the attacker's symlink"
[ $ok -gt 0 ] || echo "note: every import saw the swap and was refused"
echo "PASS: $runs imports ($ok completed), none stored root-only content"
