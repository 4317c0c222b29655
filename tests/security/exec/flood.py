#!/usr/bin/env python3
"""Open N TCP connections to 127.0.0.1:PORT at once and report how many
the far end greeted ("hi") and how many it closed without a word.

usage: flood.py PORT N [HOLD_CMD...]
While all N are open, HOLD_CMD (if given) runs and its output is passed
on: the test counts processes then. Prints "greeted: G", "closed: C",
"failed: F", then, after all are closed, "again: hi|closed|failed" for one
new connection.
"""
import resource
import socket
import subprocess
import sys
import time

port, n, hold = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))


def greet(s):
    # A hang guard, not a measure: a working relay answers in milliseconds.
    s.settimeout(30)
    try:
        data = s.recv(16)
    except OSError:
        return "failed"
    return "hi" if data.startswith(b"hi") else "closed" if data == b"" else "failed"


socks, results = [], []
for _ in range(n):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        results.append("failed")
        continue
    socks.append(s)
results += [greet(s) for s in socks]
print("greeted: %d" % results.count("hi"))
print("closed: %d" % results.count("closed"))
print("failed: %d" % results.count("failed"))
sys.stdout.flush()
if hold:
    subprocess.run(hold)
for s in socks:
    s.close()
# The relay frees a connection once both sides have closed: retry a while.
again = "failed"
for _ in range(100):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        again = greet(s)
    except OSError:
        again = "failed"
    s.close()
    if again == "hi":
        break
    time.sleep(0.1)
print("again: %s" % again)
