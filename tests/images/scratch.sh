#!/bin/sh
# A FROM-scratch image (one static binary at /hello, no /usr, no /etc) runs,
# as `docker run hello-world` does: pulled from a loopback registry and run
# by `volt run IMAGE`, and the same tree run by `--rootfs DIR`. The binary
# prints its own /proc/self/status lines: the default sandbox still holds
# (seccomp filter mode 2, only the documented in-namespace capabilities, no_new_privs).
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

# sandboxed WHAT CAPEFF: the output of a run in $T/out: hello, and the
# default sandbox. An image run as root keeps the documented capabilities
# of its own user namespace (docs/ctr-policy.md: CHOWN, DAC_OVERRIDE,
# FOWNER, SETGID, SETUID, KILL, NET_BIND_SERVICE = 0x4eb); a --rootfs
# tree none.
sandboxed() {
	grep -q "hello from scratch" "$T/out" || fail "$1: no hello"
	grep -q "^Seccomp:[[:space:]]*2" "$T/out" || fail "$1: not under a seccomp filter"
	grep -q "^CapEff:[[:space:]]*$2\$" "$T/out" || fail "$1: effective capabilities are not $2"
	grep -q "^NoNewPrivs:[[:space:]]*1" "$T/out" || fail "$1: no no_new_privs"
}

echo "== pull and run a FROM-scratch image"
expect 0 "" $V image pull "$REGISTRY/volt/hello:1"
expect 0 "hello from scratch" $V run --rm "$REGISTRY/volt/hello:1"
sandboxed "volt run IMAGE" 00000000000004eb
sed 's/^/  | /' "$T/out"

echo "== the same tree by --rootfs"
mkdir "$T/tree"
cp "$HELLO" "$T/tree/hello"
expect 0 "hello from scratch" $V run --rm --rootfs "$T/tree" -- /hello
sandboxed "volt run --rootfs" 0000000000000000
[ ! -e "$T/tree/usr" ] || fail "--rootfs wrote /usr into the user's directory"

echo "== users: numeric ones need no /etc/passwd, a name without one is a clear error"
expect 0 "hello from scratch" $V run --rm -u 1000:1000 "$REGISTRY/volt/hello:1"
sandboxed "volt run -u 1000:1000 IMAGE" 0000000000000000
expect 126 "no user 'nobody' in the container's /etc/passwd" $V run --rm -u nobody "$REGISTRY/volt/hello:1"

finish
