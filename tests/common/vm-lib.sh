# Sourced by the tests here that drive `volt vm` on records alone (no
# guest boots), after setting test_name (for the temporary directory)
# and root_why (why it needs root): "." passes no arguments in POSIX sh.
# Needs root and mkfs.ext4
# (a VM's root disk); makes $tmp (/tmp/volt-NAME-XXXXXX) with the state
# root $VOLT_ROOT and a stand-in guest kernel in it, and fail/die that
# record a failure in $status or end the test. The caller's EXIT trap
# removes $tmp.
# SPDX-License-Identifier: LGPL-2.1-or-later
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root ($root_why)"; exit 77; }
PATH=$PATH:/sbin:/usr/sbin
command -v mkfs.ext4 >/dev/null || { echo "SKIP: mkfs.ext4 (e2fsprogs) is not installed"; exit 77; }
# Never an empty $tmp: every path below is under it.
tmp=$(mktemp -d "/tmp/volt-$test_name-XXXXXX") && [ -d "$tmp" ] || { echo "FAIL: mktemp"; exit 1; }
export VOLT_ROOT="$tmp/root"
# A kernel for the records only: no VM boots here.
head -c 4000000 /dev/urandom >"$tmp/vmlinux"
export VOLT_GUEST_KERNEL="$tmp/vmlinux"
status=0
# Every check runs (a failure does not stop the next): each says what it saw.
fail() { echo "FAIL: $*"; status=1; }
die() { echo "FAIL: $*"; exit 1; }
