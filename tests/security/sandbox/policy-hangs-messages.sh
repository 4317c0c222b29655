#!/bin/sh
# Hangs and wrong messages: a FIFO given as policy file blocked volt
# forever; under an outer filter that blocks Landlock or seccomp, volt
# said "this kernel has no Landlock" / "the kernel lacks seccomp filters";
# without /proc it said "must have a single thread".
# usage: policy-hangs-messages.sh VOLT
VOLT=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || { echo "SKIP: timeout(1) is missing"; exit 77; }

mkfifo "$T/fifo"
# timeout is a guard against the hang being tested, not a timing assertion.
timeout 30 "$VOLT" policy validate "$T/fifo" </dev/null >"$T/fifo.out" 2>&1
rc=$?
echo "  validate FIFO (exit $rc):"; show "$T/fifo.out"
check "a FIFO as policy file does not hang volt policy validate" test $rc -ne 124
check "... it is refused as not a regular file" has "$T/fifo.out" "not a regular file"
timeout 30 "$VOLT" sandbox run -p "$T/fifo" -- /bin/true </dev/null >"$T/fifo2.out" 2>&1
rc=$?
check "a FIFO as policy file does not hang volt sandbox run" test $rc -ne 124 -a $rc -ne 0

# volt policy show inside a sandbox whose filter blocks Landlock and seccomp with EPERM.
echo '{"seccomp": {"profile": "default", "deny": ["landlock_create_ruleset", "seccomp"]}}' >"$T/outer.json"
"$VOLT" sandbox run -p "$T/outer.json" -- "$VOLT" policy show </dev/null >"$T/outer.out" 2>&1
echo "  volt policy show under an outer filter:"; show "$T/outer.out"
check "Landlock blocked by a filter is not called missing from the kernel" lacks "$T/outer.out" "has no Landlock"
check "... it is said to be forbidden by an outer filter" grep -q "fs_read.*outer seccomp filter" "$T/outer.out"
check "seccomp blocked by a filter is not called missing from the kernel" lacks "$T/outer.out" "kernel lacks seccomp"
check "... it is said to be forbidden by an outer filter" grep -q "seccomp profile.*outer seccomp filter" "$T/outer.out"

# Without /proc (a private mount namespace where it is unmounted).
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	libs=$(ldd "$VOLT" | awk '/libvolt/ {print $3}' | xargs -n1 dirname | sort -u | paste -sd:)
	unshare -m sh -c "umount -l /proc && LD_LIBRARY_PATH='$libs' '$VOLT' sandbox run -- /bin/true" \
		</dev/null >"$T/proc.out" 2>&1
	echo "  without /proc:"; show "$T/proc.out"
	check "a missing /proc is named as such" has "$T/proc.out" "is /proc mounted?"
	check "... not reported as too many threads" lacks "$T/proc.out" "must have a single thread"
fi
finish
