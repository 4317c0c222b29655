#!/bin/sh
# Escape 5: the seccomp cache trusted any file whose key text matched. A
# default sandbox (which could write the cache's directory) replaced a
# cached program by RET_ALLOW, and later sandboxes ran with
# unshare(CLONE_NEWUSER), keyctl and io_uring open; a cache owned by
# nobody in a 0777 directory was loaded too. Now the cache lives in the
# state root, its directories must be the caller's and writable by no
# one else, and entries carry an HMAC under a private key.
# The poisoner here writes every entry directly (stronger than doing it
# from inside a sandbox, which now cannot even see the cache): the key
# text is kept, the program becomes RET_ALLOW.
# usage: sandbox-seccomp-cache.sh VOLT PROBE
VOLT=$(realpath "$1") PROBE=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
need_python
cache=$VOLT_ROOT/cache/seccomp
# 0.2 took the directory as the option's argument.
if "$VOLT" sandbox run --help | grep -q -- "--seccomp-cache DIR"; then
	cache_opt="--seccomp-cache $cache"
else
	cache_opt="--seccomp-cache"
fi
default_policy_with_probe "$T/default.json"
sandbox() { "$VOLT" sandbox run $cache_opt -p "$T/default.json" -- "$PROBE" "$@" </dev/null; }

sandbox syscalls >"$T/first.out" 2>&1
echo "  first run (fills the cache):"; show "$T/first.out"
check "the filter denies unshare(CLONE_NEWUSER)" has "$T/first.out" "unshare(CLONE_NEWUSER): denied (EPERM)"
check "a cache entry was written" sh -c "ls '$cache'/*.bpf >/dev/null 2>&1"

# From inside a default sandbox: the cache must be out of reach.
sandbox write "$cache"/*.bpf >"$T/inside.out" 2>&1
echo "  write the entry from inside a sandbox:"; show "$T/inside.out"
check "a default sandbox cannot open the cache entry for writing" lacks "$T/inside.out" ": ok"

poison() {
	for f in "$cache"/*.bpf; do
		python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
head = data[:data.index(b"\0") + 1]
allow = bytes([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f])   # BPF_RET|BPF_K SECCOMP_RET_ALLOW
tail = bytes(32) if head.startswith(b"VOLT-SECCOMP") else b""
open(sys.argv[1], "wb").write(head + allow + tail)' "$f"
	done
}
poison
sandbox syscalls >"$T/poisoned.out" 2>&1
echo "  after poisoning:"; show "$T/poisoned.out"
check "poisoned: unshare(CLONE_NEWUSER) is still denied" has "$T/poisoned.out" "unshare(CLONE_NEWUSER): denied (EPERM)"
check "poisoned: keyctl is still denied" has "$T/poisoned.out" "keyctl: denied (EPERM)"
check "poisoned: io_uring_setup is still denied" has "$T/poisoned.out" "io_uring_setup: denied (EPERM)"

# A cache directory that someone else can write is refused, loudly.
poison
chown -R 65534 "$cache" 2>/dev/null
chmod 0777 "$cache"
sandbox syscalls >"$T/unsafe.out" 2>&1
rc=$?
echo "  cache owned by nobody, mode 0777 (exit $rc):"; show "$T/unsafe.out"
check "an unsafe cache directory makes volt fail" test $rc -eq 1
check "... with a message naming it" has "$T/unsafe.out" "refusing '$cache'"
check "... and the sandboxed command did not run" lacks "$T/unsafe.out" "unshare(CLONE_NEWUSER): ok"
finish
