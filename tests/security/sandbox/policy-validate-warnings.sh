#!/bin/sh
# Weakness: a policy that allows io_uring_* defeats its own syscall deny
# list (io_uring's operations never pass through seccomp), and one that
# allows ptrace (or process_vm_writev, pidfd_getfd) without any Landlock
# rule can take over unsandboxed processes of its user. `volt policy
# validate` keeps such policies valid but warns, saying why.
# usage: policy-validate-warnings.sh VOLT
VOLT=$(realpath "$1")
. "$(dirname "$0")/lib.sh"

validate() { "$VOLT" policy validate "$1" >"$T/out" 2>&1; rc=$?; echo "  $1 (exit $rc):"; show "$T/out"; }

echo '{"seccomp": {"profile": "default", "allow": ["io_uring_setup", "io_uring_enter"]}}' >"$T/uring.json"
validate "$T/uring.json"
check "an io_uring policy is still valid" test $rc -eq 0
check "allowing io_uring_setup gets a warning" grep -q "warning: .*io_uring_setup" "$T/out"
check "... that says why" grep -q "never seen by seccomp" "$T/out"
"$VOLT" --json policy validate "$T/uring.json" >"$T/json.out" 2>&1
check "--json lists the warnings" grep -q '"warnings"' "$T/json.out"

echo '{"seccomp": {"profile": "default", "allow": ["ptrace", "process_vm_writev"]}}' >"$T/ptrace.json"
validate "$T/ptrace.json"
check "allowing ptrace without Landlock gets a warning" grep -q "warning: .*ptrace lets the sandbox take over" "$T/out"
check "allowing process_vm_writev without Landlock gets a warning" grep -q "warning: .*process_vm_writev" "$T/out"

echo '{"fs_read": ["/usr"], "scope": ["signal"], "seccomp": {"allow": ["ptrace"]}}' >"$T/scoped.json"
validate "$T/scoped.json"
check "ptrace under Landlock (which confines it) gets no warning" lacks "$T/out" "warning"

"$VOLT" policy default >"$T/default.json"
validate "$T/default.json"
check "the default policy gets no warning" lacks "$T/out" "warning"
finish
