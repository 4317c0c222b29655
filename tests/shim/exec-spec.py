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
import socket, struct, sys

sock_path, task, exec_id, out, spec = sys.argv[1:6]


def varint(n):
    b = b""
    while True:
        c = n & 0x7f
        n >>= 7
        b += bytes([c | (0x80 if n else 0)])
        if not n:
            return b


def msg(*fields):
    b = b""
    for num, v in fields:
        if isinstance(v, int):
            b += varint(num << 3) + varint(v)
        else:
            v = v.encode() if isinstance(v, str) else v
            b += varint(num << 3 | 2) + varint(len(v)) + v
    return b


def parse(data):
    res, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        if key & 7 == 0:
            v, i = read_varint(data, i)
        else:
            n, i = read_varint(data, i)
            v, i = data[i:i + n], i + n
        res.setdefault(key >> 3, []).append(v)
    return res


def read_varint(data, i):
    n = shift = 0
    while True:
        c = data[i]
        i += 1
        n |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return n, i


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit("FAIL: the shim closed the connection")
        b += c
    return b


stream = 1


def call(s, method, payload):
    global stream
    body = msg((1, "containerd.task.v2.Task"), (2, method), (3, payload))
    s.sendall(struct.pack(">IIBB", len(body), stream, 1, 0) + body)
    stream += 2
    length, _, _, _ = struct.unpack(">IIBB", recv_exact(s, 10))
    resp = parse(recv_exact(s, length))
    status = parse(resp.get(1, [b""])[0])
    if status.get(1, [0])[0]:
        sys.exit("FAIL: %s: %s" % (method, status.get(2, [b""])[0].decode(errors="replace")))
    return parse(resp.get(2, [b""])[0])


s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
s.connect(sock_path)
any_spec = msg((1, "types.containerd.io/opencontainers/runtime-spec/1/Process"), (2, spec))
call(s, "Exec", msg((1, task), (2, exec_id), (5, out), (6, out), (7, any_spec)))
call(s, "Start", msg((1, task), (2, exec_id)))
r = call(s, "Wait", msg((1, task), (2, exec_id)))
call(s, "Delete", msg((1, task), (2, exec_id)))
print("exit %d" % r.get(1, [0])[0])
