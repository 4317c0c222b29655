#!/usr/bin/env python3
# Writes a Stellarium store of format 1 (one file per block under
# blocks/, docs/cas-format.md) by hand, as 0.3 left them, with a ref
# "old" to a tree of a few files and a subdirectory, and the same tree as
# plain files under EXPECT for comparison.
# Usage: mkstore1.py STORE EXPECT
import hashlib, os, random, struct, sys

store, expect = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(store, "refs"))
os.makedirs(os.path.join(store, "quarantine"))
for i in range(256):
    os.makedirs(os.path.join(store, "blocks", "%02x" % i))

def put(raw):
    h = hashlib.sha256(raw).digest()
    hx = h.hex()
    path = os.path.join(store, "blocks", hx[:2], hx[2:])
    with open(path, "wb") as f:
        f.write(struct.pack("<BBHI", 1, 0, 0, len(raw)) + raw)  # codec 0: raw
    return h

def entry(name, typ, mode, rest):
    n = name.encode()
    return (struct.pack("<H", len(n)) + n + struct.pack("<BIIIqI", typ, mode, 0, 0, 1700000000, 0) + rest +
            struct.pack("<H", 0))

def tree(entries):
    entries.sort(key=lambda e: e[0].encode())
    return put(b"VCAS" + bytes([1, 1, 0, 0]) + struct.pack("<I", len(entries)) + b"".join(e[1] for e in entries))

def regular(name, data, dirpath):
    with open(os.path.join(dirpath, name), "wb") as f:
        f.write(data)
    os.utime(os.path.join(dirpath, name), (1700000000, 1700000000))
    os.chmod(os.path.join(dirpath, name), 0o644)
    blocks = [data[i:i + 50000] for i in range(0, len(data), 50000)]
    rest = struct.pack("<QII", len(data), 0, len(blocks))
    for b in blocks:
        rest += put(b) + struct.pack("<I", len(b))
    return (name, entry(name, 1, 0o644, rest))

rnd = random.Random(7)
os.makedirs(os.path.join(expect, "sub"))
sub = tree([regular("g%d" % i, rnd.randbytes(rnd.choice([10, 3000, 120000])), os.path.join(expect, "sub"))
            for i in range(5)])
os.utime(os.path.join(expect, "sub"), (1700000000, 1700000000))
top = [regular("f%d" % i, rnd.randbytes(rnd.choice([0, 10, 3000, 120000])), expect) for i in range(10)]
top.append(("sub", entry("sub", 2, 0o755, sub)))
root = tree(top)
with open(os.path.join(store, "refs", "old"), "w") as f:
    f.write(root.hex() + "\n")
with open(os.path.join(store, "format"), "w") as f:
    f.write("stellarium 1\n")
