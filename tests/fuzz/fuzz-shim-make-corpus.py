#!/usr/bin/env python3
# Write the corpus of fuzz-shim-ttrpc: ttrpc frame streams, well formed
# and not, for every method of containerd's task service.
# usage: fuzz-shim-make-corpus.py DIR   (tests/fuzz/fuzz-shim-ttrpc.corpus)
# SPDX-License-Identifier: LGPL-2.1-or-later
import os, struct, sys

# The protobuf encoding the shim tests speak (tests/shim/ttrpc.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shim"))
sys.dont_write_bytecode = True
from ttrpc import msg  # noqa: E402

def request(method, payload, service="containerd.task.v2.Task"):
    return msg((1, service), (2, method), (3, payload), (4, 5000000000), (5, msg((1, "k"), (2, "v"))))

def frame(body, stream=1, typ=1, length=None):
    return struct.pack(">IIBB", len(body) if length is None else length, stream, typ, 0) + body

mount = msg((1, "overlay"), (2, "overlay"), (4, "lowerdir=/a:/b"), (4, "upperdir=/c"), (4, "ro"))
create = msg((1, "t1"), (2, "/run/bundle"), (3, mount), (3, mount), (4, 1), (5, "/fifo/in"), (6, "/fifo/out"),
             (7, "/fifo/err"), (10, msg((1, "type.example/x"), (2, b"\x01\x02"))))
spec = msg((1, "types.containerd.io/opencontainers/runtime-spec/1/Process"),
           (2, b'{"args": ["sh", "-c", "true"], "terminal": false}'))
cases = {
    "create": frame(request("Create", create)),
    "start": frame(request("Start", msg((1, "t1"), (2, "e1")))),
    "state": frame(request("State", msg((1, "t1")))),
    "wait": frame(request("Wait", msg((1, "t1"))), stream=3),
    "kill": frame(request("Kill", msg((1, "t1"), (3, 9), (4, 1)))),
    "delete": frame(request("Delete", msg((1, "t1"), (2, "")))),
    "pids": frame(request("Pids", msg((1, "t1")))),
    "exec": frame(request("Exec", msg((1, "t1"), (2, "e1"), (3, 0), (4, "/in"), (7, spec)))),
    "resize": frame(request("ResizePty", msg((1, "t1"), (3, 80), (4, 1 << 40)))),
    "closeio": frame(request("CloseIO", msg((1, "t1"), (3, 1)))),
    "stats": frame(request("Stats", msg((1, "t1")))),
    "connect": frame(request("Connect", msg((1, "t1")))),
    "shutdown": frame(request("Shutdown", msg((1, "t1"), (2, 1)))),
    "update": frame(request("Update", msg((1, "t1"), (3, msg((1, "a"), (2, "b")))))),
    "unknown-method": frame(request("Frobnicate", b"")),
    "unknown-service": frame(request("Create", create, service="grpc.health.v1.Health")),
    "many": b"".join(frame(request(m, msg((1, "t1"))), stream=2 * i + 1)
                     for i, m in enumerate(["State", "Pids", "Connect", "Wait", "Stats"])),
    "too-long": frame(b"", length=(4 << 20) + 1),
    "max-length-truncated": frame(b"x" * 100, length=4 << 20),
    "truncated-header": b"\x00\x00\x00",
    "response-type": frame(msg((1, msg((1, 0))), (2, b"")), typ=2),
    "garbage-request": frame(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
    "garbage-payload": frame(request("Create", b"\x0a\xff\xff\xff\xff\x0f")),
    "wrong-wire-type": frame(request("Create", msg((1, 5), (3, "not a mount")))),
    "huge-varint-length": frame(request("State", b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\x7f")),
    "empty": b"",
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in cases.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
