#!/usr/bin/env python3
"""Pack the guest init into a gzip'd cpio (newc) initramfs.

usage: mkinitrd.py INIT OUTPUT

The archive holds /init (the static guest init), the directories it
mounts on, and /dev/console, which the kernel opens as init's standard
streams before anything is mounted. Written here rather than with
cpio(1) so that the device node needs no root, and byte-for-byte
reproducible (mtime 0, fixed inode numbers, gzip without a timestamp).
"""
import gzip
import stat
import sys


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = head + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkinitrd.py INIT OUTPUT")
    with open(sys.argv[1], "rb") as f:
        init = f.read()
    parts = [
        entry(1, "dev", stat.S_IFDIR | 0o755),
        entry(2, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)),
        entry(3, "proc", stat.S_IFDIR | 0o755),
        entry(4, "sys", stat.S_IFDIR | 0o755),
        entry(5, "newroot", stat.S_IFDIR | 0o755),
        entry(6, "init", stat.S_IFREG | 0o755, init),
        entry(7, "TRAILER!!!", 0),
    ]
    archive = b"".join(parts)
    archive += b"\0" * (-len(archive) % 512)
    with open(sys.argv[2], "wb") as f:
        f.write(gzip.compress(archive, mtime=0))


if __name__ == "__main__":
    main()
