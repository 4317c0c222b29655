#!/usr/bin/env python3
# Run a command with a real terminal as its controlling terminal, as an
# operator's shell would, and report what came back:
#   pty-run.py [--stdin-null] [--input TEXT] -- COMMAND...
# prints the command's output (the terminal's), then
#   exit: N | signal: N
#   caller-input: <repr of what sits in the terminal's input queue afterwards>
#   caller-rdev: MAJOR:MINOR
# Keystrokes injected with TIOCSTI land in that input queue: a shell
# would read and run them as typed by the operator.
import fcntl
import os
import select
import signal
import sys
import termios

args = sys.argv[1:]
stdin_null = False
feed = b""
while args and args[0] != "--":
    if args[0] == "--stdin-null":
        stdin_null = True
        args = args[1:]
    elif args[0] == "--input":
        feed = args[1].encode().decode("unicode_escape").encode()
        args = args[2:]
    else:
        sys.exit("pty-run.py: unknown option " + args[0])
args = args[1:]

master, slave = os.openpty()
rdev = os.fstat(slave).st_rdev
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    if stdin_null:
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
    else:
        os.dup2(slave, 0)
    os.dup2(slave, 1)
    os.dup2(slave, 2)
    os.execvp(args[0], args)

out = b""
status = None
# A guard against a hang, never a timing assertion.
deadline = 120
if feed:
    os.write(master, feed)
while status is None:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            data = os.read(master, 65536)
            out += data
        except OSError:
            pass
    wpid, st = os.waitpid(pid, os.WNOHANG)
    if wpid == pid:
        status = st
    deadline -= 0.2 if not r else 0
    if deadline <= 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.exit("pty-run.py: the command did not finish; killed")
# Whatever is still buffered on the terminal's output side.
fcntl.fcntl(master, fcntl.F_SETFL, os.O_NONBLOCK)
try:
    while True:
        data = os.read(master, 65536)
        if not data:
            break
        out += data
except OSError:
    pass

# What sits in the caller's input queue: switch the terminal to
# non-canonical mode so that a partial line is readable too.
attrs = termios.tcgetattr(slave)
attrs[3] &= ~(termios.ICANON | termios.ECHO)
attrs[6][termios.VMIN] = 0
attrs[6][termios.VTIME] = 0
termios.tcsetattr(slave, termios.TCSANOW, attrs)
pending = b""
try:
    while True:
        data = os.read(slave, 4096)
        if not data:
            break
        pending += data
except OSError:
    pass

sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
if os.WIFEXITED(status):
    print("exit: %d" % os.WEXITSTATUS(status))
else:
    print("signal: %d" % os.WTERMSIG(status))
print("caller-input: %r" % pending)
print("caller-rdev: %d:%d" % (os.major(rdev), os.minor(rdev)))
