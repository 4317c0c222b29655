#!/bin/sh
# The ABI guard: compare a built library with its committed baseline
# (abidw output). An incompatible change fails; a compatible one (new
# symbols) passes with a note that the baseline can be refreshed at the
# next release.
# A private node (VOLT_<LIB>_PRIVATE) is no ABI: private.suppr leaves it out.
# usage: abi-guard.sh BASELINE.abi LIBRARY.so PUBLIC_INCLUDE_DIR...
set -u
base=$1 lib=$2
shift 2
suppr="$(dirname "$0")/private.suppr"
if ! command -v abidiff >/dev/null 2>&1; then
	echo "SKIP: abidiff (Debian package abigail-tools) is not installed"
	exit 77
fi
heads=""
for d in "$@"; do heads="$heads --headers-dir2 $d"; done
# shellcheck disable=SC2086
out=$(abidiff --drop-private-types --suppressions "$suppr" $heads "$base" "$lib" 2>&1)
rc=$?
echo "$out"
# abidiff flags only removals as incompatible; a changed signature or type
# of an existing function or variable breaks callers too.
changed=$(echo "$out" | sed -n 's/.*changes summary: [0-9]* Removed[^,]*, \([0-9]*\) Changed.*/\1/p' |
	awk '{ n += $1 } END { print n + 0 }')
if [ "$changed" -gt 0 ]; then
	echo "FAIL: $(basename "$lib") changes $changed existing function(s) or variable(s) of $(basename "$base")"
	exit 1
fi
# abidiff's status is a bit field: 1 error, 2 usage, 4 change, 8 incompatible change.
if [ $((rc & 3)) -ne 0 ]; then
	echo "FAIL: abidiff could not compare (status $rc)"
	exit 1
fi
if [ $((rc & 8)) -ne 0 ]; then
	echo "FAIL: $(basename "$lib") breaks the ABI recorded in $(basename "$base")"
	exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
	echo "note: compatible ABI changes (new symbols); refresh the baseline at release"
fi
echo "$(basename "$lib"): ABI compatible with $(basename "$base")"
