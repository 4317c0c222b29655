#!/usr/bin/env python3
# A ttrpc client for the shim's protocol test: speaks the frames and
# messages of docs/containerd.md by hand (no containerd), well formed and
# hostile, and checks what the shim answers.
#
# usage: ttrpc-client.py SOCKET SHIM_PID
# Prints "ok: ..." / "FAIL: ..." lines; exits 1 on a failure.
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from ttrpc import TASK, msg, parse, recv_frame, send_frame
from ttrpc import connect as ttrpc_connect
from ttrpc import request as call

sock_path, shim_pid = sys.argv[1], int(sys.argv[2])
failures = 0


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1


def connect():
    return ttrpc_connect(sock_path, 10)


def closed(s):
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return True


s = connect()
r = call(s, "Connect", msg((1, "t1")), stream=5)
check(r is not None and r["code"] == 0 and r["stream"] == 5 and r["type"] == 2,
      "Connect answers on its stream with a response")
check(r is not None and parse(r["payload"]).get(1, [0])[0] == shim_pid, "Connect gives the shim's pid")
r = call(s, "State", msg((1, "nosuch")), stream=7)
check(r is not None and r["code"] == 5, "State of an unknown task: NotFound (%s)" % (r and r["message"]))
r = call(s, "Pause", msg((1, "t1")), stream=9)
check(r is not None and r["code"] == 5, "Pause of a task not created: NotFound")
r = call(s, "Checkpoint", msg((1, "t1")), stream=10)
check(r is not None and r["code"] == 12, "Checkpoint: Unimplemented")
r = call(s, "Frobnicate", b"", stream=11)
check(r is not None and r["code"] == 12, "an unknown method: Unimplemented")
r = call(s, "State", msg((1, "t1")), stream=13, service="grpc.health.v1.Health")
check(r is not None and r["code"] == 12, "an unknown service: Unimplemented")
r = call(s, "Create", b"\x0a\xff\xff\xff\xff\x0f", stream=15)
check(r is not None and r["code"] == 3, "a payload that does not decode: InvalidArgument")
send_frame(s, b"\xff" * 11, stream=17)
r = recv_frame(s)
check(r is not None and parse(r[2]).get(1) is not None, "a request that does not decode is answered")
r = call(s, "Create", msg((1, "other"), (2, "/nonexistent")), stream=19)
check(r is not None and r["code"] == 3, "Create of another id than the shim's: InvalidArgument")
# Many requests in one write, answered in order.
batch = b"".join(struct.pack(">IIBB", len(b), 21 + 2 * i, 1, 0) + b
                 for i, b in enumerate([msg((1, TASK), (2, "Connect"), (3, b""))] * 20))
s.sendall(batch)
streams = [recv_frame(s)[0] for _ in range(20)]
check(streams == [21 + 2 * i for i in range(20)], "20 pipelined requests, 20 answers")

# Hostile framing closes that connection only.
s2 = connect()
send_frame(s2, b"", length=(4 << 20) + 1)
check(closed(s2), "a frame past 4 MiB closes the connection")
s3 = connect()
send_frame(s3, msg((1, msg((1, 0)))), typ=2)
check(closed(s3), "a response frame from the client closes the connection")
s4 = connect()
s4.sendall(b"\x00\x00\x10\x00\x00\x00\x00\x01\x01\x00" + b"x" * 100)  # a frame cut short, then gone
s4.close()
r = call(s, "Connect", b"", stream=101)
check(r is not None and r["code"] == 0, "the first connection is still served")

r = call(s, "Shutdown", msg((1, "t1")), stream=103)
check(r is not None and r["code"] == 0, "Shutdown answers")
check(closed(s), "the shim closes its connections after Shutdown")
for _ in range(100):
    try:
        os.kill(shim_pid, 0)
    except ProcessLookupError:
        break
    time.sleep(0.05)
else:
    check(False, "the shim exits after Shutdown")
check(not os.path.exists(sock_path), "its socket is removed")
sys.exit(1 if failures else 0)
