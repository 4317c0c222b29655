#!/usr/bin/env python3
"""Run a command N times; print its median wall time and peak RSS.

Usage: measure.py NAME N CMD...   Prints "NAME wall_s=<median> maxrss_kib=<max>
rc=<last exit code>" and the command's last stderr lines that start with
"voltvm: " (the --timing report).
"""
import os
import resource
import statistics
import subprocess
import sys
import time

name, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
walls, rsss, rc, report = [], [], None, []
for _ in range(runs):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = p.communicate()
    # Peak RSS of this child alone: wait4's rusage.
    walls.append(time.monotonic() - start)
    rc = p.returncode
    report = [l for l in err.decode(errors="replace").splitlines() if l.startswith("voltvm: ")]
    rsss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("%s wall_s=%.2f maxrss_kib=%d rc=%s" % (name, statistics.median(walls), max(rsss), rc))
for line in report:
    print("%s %s" % (name, line))
