#!/usr/bin/env python3
"""`volt vm console NAME` on a pseudo-terminal, against a VM whose guest
answers each line ("got LINE"): the banner names Ctrl-], the terminal is
raw while attached, typed text reaches the guest and its answer comes
back, Ctrl-] detaches with status 0 and the terminal is cooked again; a
second attach ended by SIGTERM restores the terminal too.

usage: console-pty.py VOLT NAME
"""
import os
import pty
import select
import signal
import sys
import termios
import time


def read_until(fd, want, limit=20.0):
    got, end = b"", time.monotonic() + limit
    while want not in got:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            sys.exit(f"FAIL: no {want!r} within {limit}s; got {got!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            sys.exit(f"FAIL: the console ended before {want!r}; got {got!r}")
        got += chunk
    return got


def attach(volt, name):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(volt, [volt, "vm", "console", name])
    return pid, fd


def cooked(fd):
    lflag = termios.tcgetattr(fd)[3]
    return bool(lflag & termios.ICANON) and bool(lflag & termios.ECHO)


def main():
    volt, name = sys.argv[1], sys.argv[2]
    pid, fd = attach(volt, name)
    read_until(fd, b"Detach with Ctrl-]")
    time.sleep(0.2)  # the banner comes just before the mode switch
    if cooked(fd):
        sys.exit("FAIL: the terminal is not raw while attached")
    print("raw while attached")
    os.write(fd, b"typed-while-attached\n")
    read_until(fd, b"got typed-while-attached")
    print("the guest answered")
    os.write(fd, b"\x1d")
    out = read_until(fd, b"Detached")
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        sys.exit(f"FAIL: detach ended with status {status}: {out!r}")
    if not cooked(fd):
        sys.exit("FAIL: the terminal is still raw after Ctrl-]")
    print("Ctrl-] detached, exit 0, terminal restored")
    os.close(fd)

    pid, fd = attach(volt, name)
    read_until(fd, b"Detach with Ctrl-]")
    time.sleep(0.2)
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    if not cooked(fd):
        sys.exit("FAIL: the terminal is still raw after SIGTERM")
    print(f"SIGTERM: terminal restored (status {status})")
    os.close(fd)


main()
