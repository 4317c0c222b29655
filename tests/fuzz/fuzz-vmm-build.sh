#!/bin/sh
# Build the vmm loaders' libFuzzer targets with clang, ASan and UBSan, from
# the sources directly (instrumented, unlike a gcc build of the library).
# Usage: tests/fuzz/fuzz-vmm-build.sh OUTDIR
# Then:  OUTDIR/fuzz-vmm-bzimage -max_total_time=60 tests/fuzz/fuzz-vmm-bzimage-corpus
#        OUTDIR/fuzz-vmm-pvh -max_total_time=60 tests/fuzz/fuzz-vmm-pvh-corpus
#        OUTDIR/fuzz-vmm-virtqueue -max_total_time=60 tests/fuzz/fuzz-vmm-virtqueue-corpus
#        OUTDIR/fuzz-vmm-spec -max_total_time=60 tests/fuzz/fuzz-vmm-spec-corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: fuzz-vmm-build.sh OUTDIR}
mkdir -p "$out"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I$src/libvolt-core/include
	-I$src/libvolt-core/src -I$src/libvolt-vmm/include -I$src/libvolt-vmm/src
	-I$src/libvolt-core/include/volt/core -I$out"
# libvolt-core's generated version header is not needed by the files used here.
core="$src/libvolt-core/src/error.c $src/libvolt-core/src/log.c"
vmm="$src/libvolt-vmm/src/guest-memory.c $src/libvolt-vmm/src/e820.c"
# shellcheck disable=SC2086
clang $flags -o "$out/fuzz-vmm-bzimage" "$src/tests/fuzz/fuzz-vmm-bzimage.c" \
	"$src/libvolt-vmm/src/boot-bzimage.c" $vmm $core $(pkg-config --libs jansson)
# shellcheck disable=SC2086
clang $flags -o "$out/fuzz-vmm-pvh" "$src/tests/fuzz/fuzz-vmm-pvh.c" \
	"$src/libvolt-vmm/src/boot-pvh.c" $vmm $core $(pkg-config --libs jansson)
# shellcheck disable=SC2086
clang $flags -o "$out/fuzz-vmm-virtqueue" "$src/tests/fuzz/fuzz-vmm-virtqueue.c" \
	"$src/libvolt-vmm/src/virtqueue.c" "$src/libvolt-vmm/src/virtio-mmio.c" \
	"$src/libvolt-vmm/src/virtio-blk.c" $vmm $core $(pkg-config --libs jansson) -lpthread
# shellcheck disable=SC2086
clang $flags -I$src/libvolt-vmm/src/spec -o "$out/fuzz-vmm-spec" "$src/tests/fuzz/fuzz-vmm-spec.c" \
	"$src/libvolt-vmm/src/spec/device-spec.c" $core $(pkg-config --libs jansson)
echo "built $out/fuzz-vmm-bzimage $out/fuzz-vmm-pvh $out/fuzz-vmm-virtqueue $out/fuzz-vmm-spec"
