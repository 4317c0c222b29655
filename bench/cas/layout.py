#!/usr/bin/env python3
"""Loose block files in fan-out directories versus append-only pack files.

Writes the same set of blocks (sizes drawn from the chunk size distribution
of a real import, given as a list of sizes, or a synthetic one) both ways,
each made durable with one syncfs at the end, then reads every block back
in random order with a cold-ish page cache (posix_fadvise DONTNEED), and
reports time and disk usage. Usage: layout.py DIR [N_BLOCKS]
"""
import os, random, sys, time, hashlib

def sizes(n, rnd):
    # /usr: most files are small, large files give 16K..256K chunks.
    out = []
    for _ in range(n):
        r = rnd.random()
        if r < 0.55:
            out.append(rnd.randint(200, 8000))
        elif r < 0.75:
            out.append(rnd.randint(8000, 16384))
        else:
            out.append(rnd.randint(16384, 140000))
    return out

def drop(path):
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)

def du(path):
    total = 0
    for root, dirs, files in os.walk(path):
        for f in files:
            total += os.lstat(os.path.join(root, f)).st_blocks * 512
    return total

def loose(base, blocks):
    os.makedirs(base)
    for i in range(256):
        os.mkdir(f"{base}/{i:02x}")
    t = time.monotonic()
    for h, data in blocks:
        d = f"{base}/{h[:2]}"
        # (Stellarium links an O_TMPFILE into place; a named temporary and
        # rename cost the same here and Python cannot linkat(AT_SYMLINK_FOLLOW).)
        fd = os.open(f"{d}/.tmp", os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o444)
        os.write(fd, data)
        os.close(fd)
        os.rename(f"{d}/.tmp", f"{d}/{h[2:]}")
    dfd = os.open(base, os.O_RDONLY)
    os.sync()
    os.close(dfd)
    w = time.monotonic() - t
    for h, _ in blocks:
        drop(f"{base}/{h[:2]}/{h[2:]}")
    order = list(blocks)
    random.Random(3).shuffle(order)
    t = time.monotonic()
    for h, data in order:
        with open(f"{base}/{h[:2]}/{h[2:]}", "rb") as f:
            assert len(f.read()) == len(data)
    return w, time.monotonic() - t, du(base)

def packed(base, blocks):
    os.makedirs(base)
    index = {}
    t = time.monotonic()
    with open(f"{base}/pack", "wb") as f:
        off = 0
        for h, data in blocks:
            f.write(data)
            index[h] = (off, len(data))
            off += len(data)
    with open(f"{base}/index", "w") as f:
        for h, (o, l) in index.items():
            f.write(f"{h} {o} {l}\n")
    os.sync()
    w = time.monotonic() - t
    drop(f"{base}/pack")
    order = list(blocks)
    random.Random(3).shuffle(order)
    t = time.monotonic()
    fd = os.open(f"{base}/pack", os.O_RDONLY)
    for h, data in order:
        o, l = index[h]
        assert len(os.pread(fd, l, o)) == len(data)
    os.close(fd)
    return w, time.monotonic() - t, du(base)

def main():
    base = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rnd = random.Random(1)
    blocks = []
    for s in sizes(n, rnd):
        data = rnd.randbytes(s)
        blocks.append((hashlib.sha256(data).hexdigest(), data))
    raw = sum(len(d) for _, d in blocks)
    lw, lr, ld = loose(f"{base}/loose", blocks)
    pw, pr, pd = packed(f"{base}/packed", blocks)
    print(f"{n} blocks, {raw / 1e6:.1f} MB raw")
    print(f"loose : write+sync {lw:6.2f} s  random read {lr:6.2f} s  disk {ld / 1e6:7.1f} MB ({ld / raw:.3f} x raw)")
    print(f"packed: write+sync {pw:6.2f} s  random read {pr:6.2f} s  disk {pd / 1e6:7.1f} MB ({pd / raw:.3f} x raw)")

main()
