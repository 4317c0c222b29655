#!/usr/bin/env python3
# A tiny DNS responder and client for the network tests.
#   dns.py serve ADDR PORT NAME IP   answer A queries for NAME with IP (NXDOMAIN otherwise)
#   dns.py query ADDR PORT NAME      print the first A record of NAME, or "no answer: ..."
import socket
import struct
import sys


def qname(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"


def serve(addr, port, name, ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    want = qname(name).lower()
    while True:
        q, peer = s.recvfrom(512)
        if len(q) < 12:
            continue
        end = q.index(b"\0", 12) + 5
        question = q[12:end]
        qtype = struct.unpack("!H", question[-4:-2])[0]
        found = question[:-4].lower() == want
        flags = 0x8180 if found else 0x8183
        answers = 1 if found and qtype == 1 else 0
        reply = q[:2] + struct.pack("!HHHHH", flags, 1, answers, 0, 0) + question
        if answers:
            reply += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
        s.sendto(reply, peer)


def query(addr, port, name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + qname(name) + b"\x00\x01\x00\x01", (addr, int(port)))
    try:
        r = s.recv(512)
    except OSError as e:
        print("no answer:", e)
        return 1
    if struct.unpack("!H", r[6:8])[0] == 0:
        print("no answer: rcode", r[3] & 15)
        return 1
    print(socket.inet_ntoa(r[-4:]))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(*sys.argv[2:6])
    else:
        sys.exit(query(*sys.argv[2:5]))
