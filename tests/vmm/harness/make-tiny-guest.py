#!/usr/bin/env python3
"""Write a tiny PVH guest (an ELF with a Xen PHYS32_ENTRY note) for the
VMM's own exits, no Linux needed:

  reset         prints "VOLT-TINY-HELLO" on the UART at 0x3f8, then writes
                0xFE to the i8042 command port (voltvm must exit 0)
  triple-fault  executes ud2 with no IDT: #UD, #GP, #DF, shutdown
                (voltvm must exit 3 and say "triple fault")
  halt          prints "VOLT-TINY-HELLO", then halts for good: voltvm
                runs until signalled (for measuring a running VMM)

Usage: make-tiny-guest.py KIND OUT
"""
import struct
import sys

ENTRY = 0x100000


def code(kind):
    if kind == "triple-fault":
        return b"\x0f\x0b"  # ud2
    out = b"\xba\xf8\x03\x00\x00"  # mov edx, 0x3f8
    for ch in b"VOLT-TINY-HELLO\n":
        out += b"\xb0" + bytes([ch]) + b"\xee"  # mov al, ch; out dx, al
    if kind == "reset":
        out += b"\xb0\xfe\xe6\x64"  # mov al, 0xfe; out 0x64, al
    out += b"\xf4\xeb\xfd"  # hlt; jmp back to hlt
    return out


def elf(body):
    note_off = 64 + 2 * 56
    note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", ENTRY)
    load_off = note_off + len(note)
    hdr = bytearray(64)
    hdr[0:7] = b"\x7fELF\x02\x01\x01"
    struct.pack_into("<HHIQQQIHHHHHH", hdr, 16, 2, 62, 1, ENTRY, 64, 0, 0, 64, 56, 2, 0, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, load_off, ENTRY, ENTRY, len(body), len(body), 0x1000)
    pnote = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    return bytes(hdr) + load + pnote + note + body


kind, out = sys.argv[1], sys.argv[2]
if kind not in ("reset", "triple-fault", "halt"):
    sys.exit("unknown kind " + kind)
open(out, "wb").write(elf(code(kind)))
