#!/usr/bin/env python3
"""Write the ELF vmlinux inside a bzImage to OUT.

The bzImage setup header gives the compressed payload's place
(payload_offset from the start of the protected-mode code, and
payload_length, boot protocol 2.08+); Debian compresses it with xz or gzip.
Usage: extract-vmlinux.py BZIMAGE OUT   (exit 77 if it cannot be done here)
"""
import gzip
import lzma
import struct
import sys


def main():
    image = open(sys.argv[1], "rb").read()
    if len(image) < 0x250 or image[0x202:0x206] != b"HdrS":
        sys.exit("not a bzImage: " + sys.argv[1])
    setup_sects = image[0x1F1] or 4
    offset, length = struct.unpack_from("<II", image, 0x248)
    start = (setup_sects + 1) * 512 + offset
    payload = image[start:start + length]
    if payload.startswith(b"\xfd7zXZ\x00"):
        elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    elif payload.startswith(b"\x1f\x8b"):
        elf = gzip.decompress(payload)
    else:
        print("SKIP: payload compression %r not supported" % payload[:4])
        sys.exit(77)
    if not elf.startswith(b"\x7fELF"):
        sys.exit("payload is not an ELF file")
    open(sys.argv[2], "wb").write(elf)


main()
