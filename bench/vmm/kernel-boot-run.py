#!/usr/bin/env python3
"""Boot one voltvm command RUNS times and time its console lines.

usage: kernel-boot-run.py NAME RUNS VOLTVM ARGS...

Prints one BENCH line per run (seconds from the spawn to the guest
init's first line and to the workload's line, voltvm's exit status, its
--timing figures) and a BENCH median line for NAME.
"""
import re
import statistics
import subprocess
import sys
import time

name, runs, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
INIT = re.compile(r"^(volt-guest-init|VOLT-GUEST-|VOLT-BENCH-WORKLOAD)")
rows = []
for i in range(runs):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, errors="replace")
    t_init = t_work = None
    rss = overhead = first_run = None
    for line in p.stdout:
        now = time.monotonic() - t0
        line = line.strip("\r\n")
        if t_init is None and INIT.match(line):
            t_init = now
        if t_work is None and line.startswith("VOLT-BENCH-WORKLOAD"):
            t_work = now
        m = re.search(r"process RSS ([\d.]+ \S+), .*VMM overhead ([\d.]+ \S+)", line)
        if m:
            rss, overhead = m.group(1), m.group(2)
        m = re.search(r"main\(\) to first KVM_RUN: ([\d.]+) us", line)
        if m:
            first_run = float(m.group(1)) / 1000
    rc = p.wait()
    rows.append((t_init, t_work))
    print(f"BENCH {name} run {i + 1}: init {t_init and round(t_init, 2)} s, workload "
          f"{t_work and round(t_work, 2)} s, exit {rc}, main() to first KVM_RUN "
          f"{first_run and round(first_run, 1)} ms, RSS {rss}, VMM overhead {overhead}", flush=True)
ok = [r for r in rows if r[0] is not None and r[1] is not None]
if ok:
    print(f"BENCH {name} median: init {statistics.median(r[0] for r in ok):.2f} s, "
          f"workload {statistics.median(r[1] for r in ok):.2f} s ({len(ok)} of {runs} runs reached it)")
else:
    print(f"BENCH {name} median: no run reached the workload")
