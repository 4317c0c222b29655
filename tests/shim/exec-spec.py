#!/usr/bin/env python3
# Exec a process with a process spec of the test's own in a task that a
# shim serves (under containerd or not): ExecProcess, Start, Wait and
# Delete by hand over the shim's ttrpc socket, for what ctr cannot ask
# (Debian's ctr has no `task exec --env`). The process's stdout and
# stderr go to OUT (a regular file: the shim opens them read-write).
#
# usage: exec-spec.py SOCKET TASK_ID EXEC_ID OUT SPEC_JSON
# Prints "exit N" (the Wait's exit status); exits 1 when a call fails.
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from ttrpc import CallFailed, Client, first, msg

sock_path, task, exec_id, out, spec = sys.argv[1:6]

try:
    c = Client(sock_path, 60)
    any_spec = msg((1, "types.containerd.io/opencontainers/runtime-spec/1/Process"), (2, spec))
    c.call("Exec", msg((1, task), (2, exec_id), (5, out), (6, out), (7, any_spec)))
    c.call("Start", msg((1, task), (2, exec_id)))
    r = c.call("Wait", msg((1, task), (2, exec_id)))
    c.call("Delete", msg((1, task), (2, exec_id)))
except CallFailed as e:
    sys.exit("FAIL: %s" % e)
print("exit %d" % first(r, 1, 0))
