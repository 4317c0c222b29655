#!/bin/bash
# Tab completion of container names, image names and each sub-command's
# own options, from the real tools.
# usage: completion-names.sh VOLT LAUNCHER SRCDIR COMPLETION_SCRIPT
set -u
volt=$(realpath "$1") launcher=$(realpath "$2") src=$3 script=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (containers are created)"; exit 77; }

tmp=$(mktemp -d /tmp/volt-cli-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VOLT_CTR_LAUNCHER="$launcher" VOLT_ROOT="$tmp/root"
mkdir -p "$tmp/bin" && ln -s "$volt" "$tmp/bin/volt"
PATH=$tmp/bin:$PATH
# shellcheck disable=SC1090
source "$script"
# shellcheck source=completion-lib.sh
. "$(dirname "$0")/completion-lib.sh"

volt container create alpha --image busybox -- /bin/true >/dev/null || fail "create alpha"
volt container create beta --image busybox -- /bin/true >/dev/null || fail "create beta"

echo "== container names"
for verb in start stop restart rm logs inspect exec; do
	want "alpha beta" volt "$verb" ""
	want "alpha beta" volt container "$verb" ""
done
want "alpha" volt rm beta al
want "beta" volt stop -t 5 b
want "alpha" volt --root "$tmp/root" inspect a
lacks "alpha beta" volt run ""
echo "== image names"
want "busybox" volt run ""
want "busybox" volt run --rm --name x -e A=1 ""
want "busybox" volt run --image ""
want "busybox" volt container create c --image ""
want "busybox" volt image inspect ""
echo "== each command's own options"
want "--interactive --tty --rm --name --detach --image" volt run --
want "--interactive --tty --rm" volt container run --
want "--all --quiet --format --json" volt ps --
want "--all --quiet --format" volt container list --
want "--follow --lines" volt container logs --
want "--time" volt container stop --
lacks "--format" volt container run --
want "none private host" volt run --network ""
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
