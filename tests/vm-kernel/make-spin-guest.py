#!/usr/bin/env python3
"""Write a tiny PVH guest that never ends by itself: it prints
"VOLT-SPIN-READY" on the UART at 0x3f8 and then spins (jmp to itself),
so only the host can end the VM (a signal to voltvm).

Usage: make-spin-guest.py OUT
"""
import struct
import sys

ENTRY = 0x100000


def code():
    out = b"\xba\xf8\x03\x00\x00"  # mov edx, 0x3f8
    for ch in b"VOLT-SPIN-READY\n":
        out += b"\xb0" + bytes([ch]) + b"\xee"  # mov al, ch; out dx, al
    out += b"\xeb\xfe"  # jmp $
    return out


def elf(body):
    # ELF64 header, one PT_LOAD for the code, one PT_NOTE with the PVH entry.
    note_off = 64 + 2 * 56
    note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", ENTRY)
    load_off = note_off + len(note)
    hdr = bytearray(64)
    hdr[0:7] = b"\x7fELF\x02\x01\x01"
    struct.pack_into("<HHIQQQIHHHHHH", hdr, 16, 2, 62, 1, ENTRY, 64, 0, 0, 64, 56, 2, 0, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, load_off, ENTRY, ENTRY, len(body), len(body), 0x1000)
    pnote = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    return bytes(hdr) + load + pnote + note + body


if len(sys.argv) != 2:
    sys.exit("usage: make-spin-guest.py OUT")
with open(sys.argv[1], "wb") as f:
    f.write(elf(code()))
