#!/usr/bin/env python3
# Reads a Stellarium store's pack indexes (docs/cas-packs.md) for tests:
#   packtool.py locate STORE HASH    print "PACKFILE OFFSET LENGTH" of a block
#   packtool.py flip STORE [HASH]    flip one byte in the middle of that block
#                                    (default: the largest block), print its hash
#   packtool.py count STORE          print the number of packs and of blocks in them
#   packtool.py codecs STORE         print "raw=N lz4=N zstd=N": the blocks in packs
#                                    by the codec of their encoding
import glob, os, struct, sys

HDR, FAN, ENT = 56, 1024, 48

def entries(store):
    for idx in sorted(glob.glob(os.path.join(store, "packs", "pack-*.idx"))):
        data = open(idx, "rb").read()
        if data[:8] != b"VOLTPIDX":
            raise SystemExit(f"{idx}: not a pack index")
        (count,) = struct.unpack_from("<I", data, 12)
        for i in range(count):
            off = HDR + FAN + i * ENT
            h = data[off:off + 32].hex()
            o, l, raw = struct.unpack_from("<QII", data, off + 32)
            yield idx[:-4] + ".pack", h, o, l

def main():
    cmd, store = sys.argv[1], sys.argv[2]
    if cmd == "codecs":
        n = {0: 0, 1: 0, 2: 0}
        for pack, _, o, _ in entries(store):
            with open(pack, "rb") as f:
                f.seek(o)
                c = f.read(2)[1]
            n[c] = n.get(c, 0) + 1
        print(f"raw={n[0]} lz4={n[1]} zstd={n[2]}")
        return
    if cmd == "count":
        packs = glob.glob(os.path.join(store, "packs", "pack-*.idx"))
        print(len(packs), sum(1 for _ in entries(store)))
        return
    want = sys.argv[3] if len(sys.argv) > 3 else None
    best = None
    for e in entries(store):
        if want and e[1] == want:
            best = e
            break
        if not want and (best is None or e[3] > best[3]):
            best = e
    if best is None:
        raise SystemExit(f"no block {want} in the packs of {store}")
    pack, h, o, l = best
    if cmd == "locate":
        print(pack, o, l)
    elif cmd == "flip":
        with open(pack, "r+b") as f:
            f.seek(o + l // 2)
            b = f.read(1)
            f.seek(o + l // 2)
            f.write(bytes([b[0] ^ 0x40]))
        print(h)
    else:
        raise SystemExit(f"unknown command {cmd}")

main()
