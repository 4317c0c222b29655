#!/usr/bin/env python3
# Drive one task of a shim over its ttrpc socket as containerd would
# (Create of BUNDLE, Start, Wait, Delete), for where containerd does not
# run (the nested KVM harness): the VM runtime's test.
#
# usage: vm-task.py SOCKET ID BUNDLE OUT [kill]
#   OUT: the task's stdout and stderr (a regular file); with "kill" the
#   task gets Kill SIGTERM once its workload printed SHIM-VM-SLEEPING.
# Prints "create ok", "start pid N", ["state 2", "kill sent",] "wait N", "delete N",
# "FAIL: ..." for a call that fails; exits 1 then.
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from ttrpc import CallFailed, Client, first, msg

sock_path, task, bundle, out = sys.argv[1:5]
kill = len(sys.argv) > 5 and sys.argv[5] == "kill"

try:
    c = Client(sock_path, 600)  # a VM under TCG is slow; the caller's timeout bounds it
    c.call("Create", msg((1, task), (2, bundle), (6, out), (7, out)))
    print("create ok", flush=True)
    r = c.call("Start", msg((1, task)))
    print("start pid %d" % first(r, 1, 0), flush=True)
    if kill:
        # Once the workload is up in the guest (its marker on the console).
        while b"SHIM-VM-SLEEPING" not in open(out, "rb").read():
            time.sleep(0.2)
        print("state %d" % first(c.call("State", msg((1, task))), 4, 0), flush=True)
        c.call("Kill", msg((1, task), (3, 15)))
        print("kill sent", flush=True)
    r = c.call("Wait", msg((1, task)))
    print("wait %d" % first(r, 1, 0), flush=True)
    r = c.call("Delete", msg((1, task)))
    print("delete %d" % first(r, 2, 0), flush=True)
    c.call("Shutdown", msg((1, task)))
except CallFailed as e:
    print("FAIL: %s" % e, flush=True)
    sys.exit(1)
