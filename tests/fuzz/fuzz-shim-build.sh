#!/bin/sh
# Build fuzz-shim-ttrpc for libFuzzer (clang) against a configured and
# built build/ (its generated protobuf C and its libvolt libraries), and
# optionally run it for a while:  tests/fuzz/fuzz-shim-build.sh [SECONDS]
# The binary goes to build-fuzz-shim/; new inputs found are added to
# tests/fuzz/fuzz-shim-ttrpc.corpus/.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
cd "$(dirname "$0")/../.."
b=${BUILD:-build}
out=build-fuzz-shim
mkdir -p "$out"
[ -f "$b/tools/containerd-shim/shim-proto.c" ] || { echo "build $b first (ninja -C $b)" >&2; exit 1; }
libs=""
for l in core cas sec ctr; do libs="$libs -L$b/libvolt-$l -lvolt-$l -Wl,-rpath,$PWD/$b/libvolt-$l"; done
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -w \
	-Itools/containerd-shim -I"$b/tools/containerd-shim" -I"$b/tools/containerd-shim/pb" \
	-Ilibvolt-core/include -I"$b/libvolt-core/include" -Ilibvolt-core/src \
	-Ilibvolt-cas/include -Ilibvolt-sec/include -Ilibvolt-ctr/include \
	-o "$out/fuzz-shim-ttrpc" tests/fuzz/fuzz-shim-ttrpc.c "$b/tools/containerd-shim/shim-proto.c" \
	tools/containerd-shim/bundle.c tools/containerd-shim/dispatch.c tools/containerd-shim/log.c tools/containerd-shim/publish.c tools/containerd-shim/reply.c \
	tools/containerd-shim/runner.c tools/containerd-shim/server.c tools/containerd-shim/task.c \
	tools/containerd-shim/ttrpc.c $libs $(pkg-config --cflags --libs libprotobuf-c jansson)
if [ $# -gt 0 ]; then
	"$out/fuzz-shim-ttrpc" -max_total_time="$1" -max_len=65536 tests/fuzz/fuzz-shim-ttrpc.corpus
fi
