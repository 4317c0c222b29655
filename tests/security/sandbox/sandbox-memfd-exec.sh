#!/bin/sh
# Weakness: fs_execute was bypassed by memfd_create + execveat: a memfd
# lives on an internal mount that Landlock does not check. The default
# profile now denies execveat with AT_EMPTY_PATH and makes memfd_create
# without MFD_NOEXEC_SEAL fail with ENOSYS (callers fall back to files,
# which Landlock sees), so neither execveat(fd, "", AT_EMPTY_PATH) nor
# execve("/proc/self/fd/N") of a memfd runs. What remains (the ELF loader
# run on a readable file) is in docs/sec-policy.md.
# usage: sandbox-memfd-exec.sh VOLT PROBE
VOLT=$(realpath "$1") PROBE=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
need_python
default_policy_with_probe "$T/default.json"

"$PROBE" memfd-exec >"$T/bare.out" 2>&1
echo "  without a sandbox:"; show "$T/bare.out"
has "$T/bare.out" "executed" || { echo "SKIP: memfd exec does not work here even without a sandbox"; exit 77; }

"$VOLT" sandbox run -p "$T/default.json" -- "$PROBE" memfd-exec </dev/null >"$T/default.out" 2>&1
echo "  default policy:"; show "$T/default.out"
check "execveat(memfd, \"\", AT_EMPTY_PATH) is denied" has "$T/default.out" "execveat(memfd, AT_EMPTY_PATH): denied"
check "execve(/proc/self/fd/N) of a memfd is denied" has "$T/default.out" "execve(/proc/self/fd/N): denied"
check "nothing from a memfd was executed" lacks "$T/default.out" "executed"
check "memfd_create(MFD_NOEXEC_SEAL) still works" has "$T/default.out" "memfd_create(MFD_NOEXEC_SEAL): ok"
finish
