#!/usr/bin/env python3
"""Run a command with a real pty as its controlling terminal, as an
operator's shell would, and report what reached that terminal's input.

usage: pty-run.py MODE COMMAND [ARGS...]
  MODE tty:    stdin, stdout and stderr are the pty
  MODE notty:  stdin is /dev/null, stdout and stderr are the pty
  MODE resize: as tty; once the command has printed "ready", the pty
               becomes 40 rows by 120 columns and gets one newline typed

Prints the command's output (prefixed "out: "), then
  "exit: N", "outer-rdev: MAJ:MIN", "termios-restored: yes|no" and
  "pending-input: REPR"; the pty is 37 rows by 101 columns (what sat unread in the terminal's input queue
  after the command ended: what the operator's shell would have read).
"""
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios

mode, cmd = sys.argv[1], sys.argv[2:]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 37, 101, 0, 0))
before = termios.tcgetattr(slave)
if mode == "resize":
    before = None
null = os.open("/dev/null", os.O_RDONLY)


def child_setup():
    # A session of its own, with the pty as its controlling terminal.
    os.setsid()
    fcntl.ioctl(1, termios.TIOCSCTTY, 0)


proc = subprocess.Popen(cmd, stdin=null if mode == "notty" else slave, stdout=slave, stderr=slave,
                        preexec_fn=child_setup, close_fds=True)
out = b""
resized = False
while True:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            out += os.read(master, 65536)
        except OSError:
            break
        if mode == "resize" and not resized and b"ready" in out:
            # The kernel signals SIGWINCH before the newline is even written.
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            os.write(master, b"\n")
            resized = True
    elif proc.poll() is not None:
        break
status = proc.wait()
after = termios.tcgetattr(slave)
# Whatever is queued for the terminal's reader, without waiting for a line.
raw = termios.tcgetattr(slave)
raw[3] &= ~(termios.ICANON | termios.ECHO)
raw[6][termios.VMIN] = 0
raw[6][termios.VTIME] = 0
termios.tcsetattr(slave, termios.TCSANOW, raw)
pending = b""
while True:
    try:
        chunk = os.read(slave, 4096)
    except OSError:
        break
    if not chunk:
        break
    pending += chunk
st = os.fstat(slave)
for line in out.decode(errors="replace").splitlines():
    print("out: " + line.rstrip("\r"))
print("exit: %d" % status)
print("outer-rdev: %d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
if before is not None:
    print("termios-restored: %s" % ("yes" if before == after else "no"))
print("pending-input: %r" % pending)
