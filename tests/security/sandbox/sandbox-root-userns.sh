#!/bin/sh
# Escape 4: `volt sandbox run` as root stayed host uid 0, and Landlock
# (ABI <= 7) mediates neither connect() to pathname unix sockets nor
# chmod/chown/utime: the sandboxed root reached root's daemons and could
# chmod 4777 root's files. Now root in the sandbox is root of a user
# namespace and uid 65534 outside. The probe connects to a root-only
# unix socket the test listens on and chmods a root file; both must
# fail, and the file's mode must stay. "user_namespace": false is the
# documented way back to host root, with a warning.
# usage: sandbox-root-userns.sh VOLT PROBE
VOLT=$(realpath "$1") PROBE=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
need_python
[ "$(id -u)" = 0 ] || { echo "SKIP: the escape is about running as root"; exit 77; }

default_policy_with_probe "$T/default.json"
mkdir -m 0755 "$T/daemon"
echo "root's file" >"$T/rootfile"
chmod 0644 "$T/rootfile"
# A root daemon's socket, mode 0600, answering "pwned" to whoever connects.
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o600); s.listen(8)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept(); c.sendall(b"pwned"); c.close()' "$T/daemon/sock" "$T/listening" &
daemon=$!
trap 'kill $daemon 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -e "$T/listening" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$T/listening" ] || { echo "FAIL: the test's unix socket server did not start"; exit 1; }

"$VOLT" sandbox run -p "$T/default.json" -- "$PROBE" ids </dev/null >"$T/ids.out" 2>&1
"$VOLT" sandbox run -p "$T/default.json" -- "$PROBE" connect "$T/daemon/sock" </dev/null >"$T/connect.out" 2>&1
"$VOLT" sandbox run -p "$T/default.json" -- "$PROBE" chmod "$T/rootfile" </dev/null >"$T/chmod.out" 2>&1
for f in ids connect chmod; do echo "  $f:"; show "$T/$f.out"; done
check "the sandbox's root is not host root (uid_map 0 -> 65534)" grep -Eq "uid_map: +0 +65534 +1" "$T/ids.out"
check "connect() to root's 0600 unix socket fails" has "$T/connect.out" "connect: denied (EACCES)"
check "chmod 04777 of root's file fails" has "$T/chmod.out" "chmod 04777: denied (EPERM)"
check "the file's mode is unchanged (644)" test "$(stat -c %a "$T/rootfile")" = 644

# The way back, with a warning.
python3 -c '
import json, sys
p = json.load(open(sys.argv[1])); p["user_namespace"] = False
print(json.dumps(p))' "$T/default.json" >"$T/host-root.json"
"$VOLT" sandbox run -p "$T/host-root.json" -- "$PROBE" ids </dev/null >"$T/hostroot.out" 2>&1
echo "  user_namespace false:"; show "$T/hostroot.out"
check '"user_namespace": false runs as host root' grep -Eq "uid_map: +0 +0 +4294967295" "$T/hostroot.out"
check '"user_namespace": false warns about it' has "$T/hostroot.out" "runs as host root"
finish
