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
import socket, struct, sys, time

sock_path, task, bundle, out = sys.argv[1:5]
kill = len(sys.argv) > 5 and sys.argv[5] == "kill"


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


def read_varint(data, i):
    n = shift = 0
    while True:
        c = data[i]
        i += 1
        n |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return n, i


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


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            print("FAIL: the shim closed the connection")
            sys.exit(1)
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
        print("FAIL: %s: %s" % (method, status.get(2, [b""])[0].decode(errors="replace")))
        sys.exit(1)
    return parse(resp.get(2, [b""])[0])


s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(600)  # a VM under TCG is slow; the caller's timeout bounds it
s.connect(sock_path)
call(s, "Create", msg((1, task), (2, bundle), (6, out), (7, out)))
print("create ok", flush=True)
r = call(s, "Start", msg((1, task)))
print("start pid %d" % r.get(1, [0])[0], flush=True)
if kill:
    # Once the workload is up in the guest (its marker on the console).
    while b"SHIM-VM-SLEEPING" not in open(out, "rb").read():
        time.sleep(0.2)
    check = call(s, "State", msg((1, task))).get(4, [0])[0]
    print("state %d" % check, flush=True)
    call(s, "Kill", msg((1, task), (3, 15)))
    print("kill sent", flush=True)
r = call(s, "Wait", msg((1, task)))
print("wait %d" % r.get(1, [0])[0], flush=True)
r = call(s, "Delete", msg((1, task)))
print("delete %d" % r.get(2, [0])[0], flush=True)
call(s, "Shutdown", msg((1, task)))
