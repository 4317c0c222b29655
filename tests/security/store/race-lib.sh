# Sourced by the race tests: arguments STELLARIUM RACE-SWAP, a scratch
# directory $T others may enter (the attacker is another user), a cleanup
# that stops the racer ($pid), and $S, stellarium on a store under $T.
set -u
ST=$1 SWAP=$2
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
T=$(mktemp -d /tmp/volt-sec-race-XXXXXX)
chmod 755 "$T"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
S="$ST --root $T/root"
fail() { echo "FAIL: $*"; exit 1; }
