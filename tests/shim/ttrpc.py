# The ttrpc framing and the protobuf subset of docs/containerd.md, by
# hand (no generated code, no containerd): what the shim tests speak to
# containerd-shim-volt-v2's socket. Imported by exec-spec.py, vm-task.py
# and ttrpc-client.py, which sit beside it.
# SPDX-License-Identifier: LGPL-2.1-or-later
import socket
import struct

TASK = "containerd.task.v2.Task"
REQUEST, RESPONSE = 1, 2
HEADER = ">IIBB"  # length, stream id, message type, flags


def varint(n):
    out = b""
    n &= (1 << 64) - 1  # a negative int64 as protobuf sends it: ten bytes
    while True:
        b = n & 0x7f
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(num, value):
    """One field: an int as a varint, a str or bytes length-delimited."""
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | 2) + varint(len(value)) + value


def msg(*fields):
    return b"".join(field(n, v) for n, v in fields)


def read_varint(data, i):
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def parse(data):
    """A protobuf message as {field: [values]} (varints and bytes only)."""
    out, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = read_varint(data, i)
        elif wire == 2:
            n, i = read_varint(data, i)
            v, i = data[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % wire)
        out.setdefault(num, []).append(v)
    return out


def first(fields, num, default):
    return fields.get(num, [default])[0]


def connect(path, timeout):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def recv_exact(s, n):
    """@n bytes, or None when the peer closed first."""
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def send_frame(s, body, stream=1, typ=REQUEST, length=None):
    """@length: what the header claims, when a test lies about it."""
    s.sendall(struct.pack(HEADER, len(body) if length is None else length, stream, typ, 0) + body)


def recv_frame(s):
    """(stream, type, body), or None when the peer closed."""
    hdr = recv_exact(s, 10)
    if hdr is None:
        return None
    length, stream, typ, _ = struct.unpack(HEADER, hdr)
    return stream, typ, recv_exact(s, length)


def request(s, method, payload, stream=1, service=TASK):
    """One call: a dict of the response's stream, type, status code and
    message and payload (bytes), or None when the shim closed instead."""
    send_frame(s, msg((1, service), (2, method), (3, payload)), stream)
    r = recv_frame(s)
    if r is None or r[2] is None:
        return None
    got_stream, typ, body = r
    resp = parse(body)
    status = parse(first(resp, 1, b""))
    return {"stream": got_stream, "type": typ, "code": first(status, 1, 0),
            "message": first(status, 2, b"").decode(errors="replace"), "payload": first(resp, 2, b"")}


class CallFailed(Exception):
    pass


class Client:
    """Task calls in order on one connection, as containerd makes them."""

    def __init__(self, path, timeout):
        self.sock = connect(path, timeout)
        self.stream = 1  # a client's streams are odd

    def call(self, method, payload):
        """The response's payload parsed; CallFailed on an error status or a closed connection."""
        r = request(self.sock, method, payload, self.stream)
        self.stream += 2
        if r is None:
            raise CallFailed("the shim closed the connection")
        if r["code"]:
            raise CallFailed("%s: %s" % (method, r["message"]))
        return parse(r["payload"])
