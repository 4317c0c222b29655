#!/bin/sh
# Weakness: AF_VSOCK's port space is the host's, outside every network
# namespace, so `--network none` did not cut it off. The default seccomp
# profile now denies socket(AF_VSOCK, ...), compared on the low 32 bits
# of the domain as the kernel reads it; other families still work, and a
# policy that allows "socket" by name lifts the guard.
# usage: sandbox-vsock.sh VOLT PROBE
VOLT=$(realpath "$1") PROBE=$(realpath "$2")
. "$(dirname "$0")/lib.sh"

"$PROBE" vsock >"$T/bare.out" 2>&1
echo "  without a sandbox:"; show "$T/bare.out"
has "$T/bare.out" "socket(AF_VSOCK): ok" || { echo "SKIP: no AF_VSOCK on this host (vsock module missing?)"; exit 77; }

default_policy_with_probe "$T/default.json"
"$VOLT" sandbox run -p "$T/default.json" -- "$PROBE" vsock </dev/null >"$T/default.out" 2>&1
echo "  default policy:"; show "$T/default.out"
check "socket(AF_VSOCK) is denied" has "$T/default.out" "socket(AF_VSOCK): denied (EPERM)"
check "socket(AF_VSOCK) with high bits in the domain is denied" \
	has "$T/default.out" "socket(AF_VSOCK | 1<<32): denied (EPERM)"
check "socket(AF_UNIX) still works" has "$T/default.out" "socket(AF_UNIX) (allowed): ok"

echo '{"seccomp": {"profile": "default", "allow": ["socket"]}}' >"$T/allow.json"
"$VOLT" sandbox run -p "$T/allow.json" -- "$PROBE" vsock </dev/null >"$T/allow.out" 2>&1
check "a policy that allows socket by name may use AF_VSOCK" has "$T/allow.out" "socket(AF_VSOCK): ok"
finish
