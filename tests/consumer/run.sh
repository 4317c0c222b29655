#!/bin/sh
# Packager and embedder view: install into a staging directory, check
# that files land where a distribution expects them, then build and run
# one small program per library outside the tree with pkg-config alone.
# usage: run.sh BUILD_DIR CONSUMER_SRC_DIR CC [EXTRA_CFLAGS]
set -eu
build=$1 src=$2 cc=$3 extra=${4:-}
work=$(mktemp -d /tmp/volt-consumer-XXXXXX)
trap 'rm -rf "$work"' EXIT
stage=$work/stage

meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >"$work/install.log" 2>&1 || {
	cat "$work/install.log"; exit 1; }

prefix=$(meson introspect "$build" --buildoptions | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], o["libdir"], o["bindir"], o["includedir"])')
set -- $prefix
prefix=$1 libdir=$2 bindir=$3 includedir=$4
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac
case $includedir in /*) ;; *) includedir=$prefix/$includedir ;; esac

fail() { echo "FAIL: $*"; exit 1; }
for l in core cas img sec ctr vmm vm; do
	so=$stage$libdir/libvolt-$l.so
	[ -f "$so.1.0.0" ] || fail "missing $so.1.0.0"
	[ "$(readlink "$so.1")" = "libvolt-$l.so.1.0.0" ] || fail "$so.1 is not the soname link"
	[ -L "$so" ] || fail "missing development link $so"
	[ -f "$stage$libdir/pkgconfig/libvolt-$l.pc" ] || fail "missing libvolt-$l.pc"
	[ -f "$stage$includedir/volt/$l.h" ] || fail "missing <volt/$l.h>"
	soname=$(readelf -d "$so.1.0.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
	[ "$soname" = "libvolt-$l.so.1" ] || fail "soname of libvolt-$l is '$soname'"
done
[ -f "$stage$includedir/volt/core/version.h" ] || fail "missing <volt/core/version.h>"
for b in volt voltvm stellarium; do
	[ -x "$stage$bindir/$b" ] || fail "missing binary $bindir/$b"
done
if find "$stage" -name '*.a' | grep -q .; then fail "static archives installed: $(find "$stage" -name '*.a')"; fi
echo "layout ok: libraries in $libdir, headers in $includedir, binaries in $bindir"

export PKG_CONFIG_SYSROOT_DIR="$stage"
export PKG_CONFIG_PATH="$stage$libdir/pkgconfig"
export PKG_CONFIG_LIBDIR="$stage$libdir/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig"
export LD_LIBRARY_PATH="$stage$libdir"
for l in core cas img sec ctr vmm vm; do
	cp "$src/use-$l.c" "$work/"
	flags=$(pkg-config --cflags --libs "libvolt-$l") || fail "pkg-config libvolt-$l"
	# shellcheck disable=SC2086
	(cd "$work" && $cc -std=c11 -Wall -Wextra -Werror $extra "use-$l.c" $flags -o "use-$l") ||
		fail "build of use-$l.c with: $flags"
	"$work/use-$l" || fail "use-$l exited with $?"
	[ "$(pkg-config --modversion "libvolt-$l")" = "$("$work/use-$l" | sed -n 's/^libvolt-[a-z]* \([^:]*\):.*/\1/p')" ] ||
		fail "pkg-config version of libvolt-$l differs from the library's"
done
"$stage$bindir/volt" --version | grep -q '^volt ' || fail "installed volt --version"
echo "consumer programs built with pkg-config alone and ran"
