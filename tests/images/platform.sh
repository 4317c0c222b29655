#!/bin/sh
# --platform against single-platform images (0.2 ignored it: an arm64
# image pulled with --platform linux/amd64 was recorded, exit 0). The image
# config's os/architecture[/variant] is checked: an explicit --platform
# that differs is refused, naming both, and nothing is recorded; without
# --platform a foreign image is pulled with a warning (as podman and
# docker pull do) and recorded with its real platform.
# Usage: platform.sh VOLT STELLARIUM TESTS-IMG-DIR
set -u
VOLT=$(realpath "$1") ST=$(realpath "$2") IMG=$(realpath "$3")
. "$(dirname "$0")/common.sh"
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: the foreign platform of this test is arm64, the host must be x86-64"; exit 77; }
V="$VOLT --root $T/root"
files='[{"entries": [{"path": "etc", "type": "dir"}, {"path": "etc/hello", "type": "file", "content": "hi\n"}]}]'
layout arm64 "{\"name\": \"1\", \"os\": \"linux\", \"architecture\": \"arm64\", \"layers\": $files}"
layout amd64 "{\"name\": \"1\", \"os\": \"linux\", \"architecture\": \"amd64\", \"layers\": $files}"
registry_start "$T/reg"
registry_push "$T/arm64" volt/arm:1 || fail "skopeo copy arm64"
registry_push "$T/amd64" volt/amd:1 || fail "skopeo copy amd64"
recorded() { $V image ls --json >"$T/ls" 2>&1; grep -q "$1" "$T/ls"; }

echo "== arm64 image, --platform linux/amd64: refused, nothing recorded"
expect 1 "linux/arm64, not the linux/amd64 asked for by --platform" $V image pull --platform linux/amd64 "$REGISTRY/volt/arm:1"
! recorded "volt/arm:1" || fail "the refused image was recorded"
echo "== arm64 image, --platform linux/arm64/v8: refused (the config has no variant)"
expect 1 "not the linux/arm64/v8 asked for" $V image pull --platform linux/arm64/v8 "$REGISTRY/volt/arm:1"

echo "== arm64 image, no --platform on an amd64 host: pulled with a warning, recorded as arm64"
expect 0 "the image is for platform linux/arm64, not this host's linux/amd64" $V image pull "$REGISTRY/volt/arm:1"
recorded "volt/arm:1" || fail "the image was not recorded"
arch=$(json '[i["architecture"] for i in d if i["name"].endswith("volt/arm:1")][0]' <"$T/ls")
[ "$arch" = arm64 ] || fail "recorded architecture '$arch', want arm64"

echo "== the matching platform: quiet"
expect 0 "" $V image pull --platform linux/arm64 --name arm2 "$REGISTRY/volt/arm:1"
expect 0 "" $V image pull --platform linux/amd64 "$REGISTRY/volt/amd:1"
grep -q "warning\|platform" "$T/out" && fail "a matching platform drew a message: $(cat "$T/out")"
expect 0 "" $V image pull "$REGISTRY/volt/amd:1"
grep -q "platform" "$T/out" && fail "the host's own platform drew a message: $(cat "$T/out")"
finish
