#!/bin/sh
# A FROM-scratch image (one static binary at /hello, no /usr, no /etc) runs,
# as `docker run hello-world` does: pulled from a loopback registry and run
# by `volt run IMAGE`, and the same tree run by `--rootfs DIR`. The binary
# prints its own /proc/self/status lines: the default sandbox still holds
# (seccomp filter mode 2, no effective capabilities, no_new_privs).
# Usage: scratch.sh VOLT STELLARIUM LAUNCHER HELLO-STATIC TESTS-IMG-DIR
set -u
VOLT=$(realpath "$1") ST=$(realpath "$2") LAUNCHER=$(realpath "$3") HELLO=$(realpath "$4") IMG=$(realpath "$5")
. "$(dirname "$0")/common.sh"
need_containers
command -v skopeo >/dev/null || { echo "SKIP: skopeo is not installed"; exit 77; }
export VOLT_CTR_LAUNCHER="$LAUNCHER"
V="$VOLT --root $T/root"

layout scratch "{\"name\": \"1\", \"config\": {\"Entrypoint\": [\"/hello\"]}, \"layers\": [{\"entries\": [
  {\"path\": \"hello\", \"type\": \"file\", \"source\": \"$HELLO\", \"mode\": 493}]}]}"
registry_start "$T/reg"
registry_push "$T/scratch" volt/hello:1 || fail "skopeo copy scratch"

sandboxed() { # the output of a run in $T/out: hello, and the default sandbox
	grep -q "hello from scratch" "$T/out" || fail "$1: no hello"
	grep -q "^Seccomp:[[:space:]]*2" "$T/out" || fail "$1: not under a seccomp filter"
	grep -q "^CapEff:[[:space:]]*0000000000000000" "$T/out" || fail "$1: has effective capabilities"
	grep -q "^NoNewPrivs:[[:space:]]*1" "$T/out" || fail "$1: no no_new_privs"
}

echo "== pull and run a FROM-scratch image"
expect 0 "" $V image pull "$REGISTRY/volt/hello:1"
expect 0 "hello from scratch" $V run --rm "$REGISTRY/volt/hello:1"
sandboxed "volt run IMAGE"
sed 's/^/  | /' "$T/out"

echo "== the same tree by --rootfs"
mkdir "$T/tree"
cp "$HELLO" "$T/tree/hello"
expect 0 "hello from scratch" $V run --rm --rootfs "$T/tree" -- /hello
sandboxed "volt run --rootfs"
[ ! -e "$T/tree/usr" ] || fail "--rootfs wrote /usr into the user's directory"

echo "== users: numeric ones need no /etc/passwd, a name without one is a clear error"
expect 0 "hello from scratch" $V run --rm -u 1000:1000 "$REGISTRY/volt/hello:1"
expect 126 "no user 'nobody' in the container's /etc/passwd" $V run --rm -u nobody "$REGISTRY/volt/hello:1"

finish
