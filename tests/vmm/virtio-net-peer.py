#!/usr/bin/python3
"""The level-1 side of the virtio-net test: once the guest says
VOLT-NET-READY on its console, send it a line over TCP (host to guest),
and accept one line from it (guest to host). Prints what happened.
Usage: virtio-net-peer.py CONSOLE_FILE GUEST_IP HOST_IP TIMEOUT"""
import socket
import sys
import time

console, guest, host, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
deadline = time.time() + limit

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((host, 5001))
server.listen(1)

while time.time() < deadline:
    try:
        with open(console, "rb") as f:
            if b"VOLT-NET-READY" in f.read():
                break
    except OSError:
        pass
    time.sleep(0.5)
else:
    print("PEER: the guest never said VOLT-NET-READY")
    sys.exit(1)

# Host to guest: the guest's nc may not listen yet; retry.
sent = False
connect_until = min(deadline, time.time() + 60)
while time.time() < connect_until and not sent:
    try:
        with socket.create_connection((guest, 5000), timeout=5) as s:
            s.sendall(b"from-host-42\n")
            sent = True
    except OSError:
        time.sleep(0.5)
print("PEER: sent to the guest" if sent else "PEER: could not connect to the guest")

# Guest to host: one line.
server.settimeout(max(1.0, min(90.0, deadline - time.time())))
try:
    conn, addr = server.accept()
    conn.settimeout(30)
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(100)
        if not chunk:
            break
        data += chunk
    conn.close()
    print("PEER: got [%s] from %s" % (data.decode(errors="replace").strip(), addr[0]))
except OSError as e:
    print("PEER: nothing from the guest: %s" % e)
