#!/usr/bin/env python3
"""mkinitrd.py --modules on a made-up /lib/modules tree: dependencies from
modules.dep come first, a pre: softdep is resolved through modules.alias
(crc32c_generic preferred), built-in modules are skipped, .ko.xz, .ko.gz
and .ko.zst are stored uncompressed, volt.order lists the load order; a
missing module fails naming it; without --modules nothing is added.

usage: mkinitrd-modules.py MKINITRD_PY
"""
import gzip
import lzma
import os
import shutil
import subprocess
import sys
import tempfile

mkinitrd = sys.argv[1]
if not shutil.which("zstd"):
    print("SKIP: zstd not installed (package zstd)")
    sys.exit(77)
failed = False


def check(what, ok):
    global failed
    print(("PASS: " if ok else "FAIL: ") + what)
    failed |= not ok


def cpio(path):
    """name -> bytes of a gzip'd newc archive."""
    data, out, off = gzip.decompress(open(path, "rb").read()), {}, 0
    while True:
        head = data[off:off + 110]
        assert head[:6] == b"070701", head[:6]
        size, namesize = int(head[54:62], 16), int(head[94:102], 16)
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += -off % 4
        if name == "TRAILER!!!":
            return out
        out[name] = data[off:off + size]
        off += size
        off += -off % 4


with tempfile.TemporaryDirectory() as tmp:
    rel = "9.9.9-volt-test"
    moddir = os.path.join(tmp, "lib/modules", rel)
    files = {
        "kernel/drivers/virtio/virtio.ko.zst": "virtio",
        "kernel/drivers/virtio/virtio_ring.ko.gz": "virtio_ring",
        "kernel/drivers/virtio/virtio_mmio.ko.xz": "virtio_mmio",
        "kernel/drivers/block/virtio_blk.ko": "virtio_blk",
        "kernel/drivers/net/virtio_net.ko.xz": "virtio_net",
        "kernel/fs/jbd2/jbd2.ko": "jbd2",
        "kernel/fs/ext4/ext4.ko": "ext4",
        "kernel/crypto/crc32c_generic.ko": "crc32c_generic",
        "kernel/arch/x86/crypto/crc32c-intel.ko": "crc32c_intel",
    }
    for rel_path, name in files.items():
        path = os.path.join(moddir, rel_path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = b"\x7fELF fake module " + name.encode()
        if path.endswith(".xz"):
            open(path, "wb").write(lzma.compress(body))
        elif path.endswith(".gz"):
            open(path, "wb").write(gzip.compress(body))
        elif path.endswith(".zst"):
            open(path[:-4], "wb").write(body)
            subprocess.run(["zstd", "-q", "--rm", path[:-4], "-o", path], check=True)
        else:
            open(path, "wb").write(body)
    with open(os.path.join(moddir, "modules.dep"), "w") as f:
        f.write("kernel/drivers/virtio/virtio.ko.zst:\n"
                "kernel/drivers/virtio/virtio_ring.ko.gz: kernel/drivers/virtio/virtio.ko.zst\n"
                "kernel/drivers/virtio/virtio_mmio.ko.xz: kernel/drivers/virtio/virtio.ko.zst kernel/drivers/virtio/virtio_ring.ko.gz\n"
                "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko.zst kernel/drivers/virtio/virtio_ring.ko.gz\n"
                "kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/virtio/virtio.ko.zst kernel/drivers/virtio/virtio_ring.ko.gz\n"
                "kernel/fs/jbd2/jbd2.ko:\n"
                "kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko\n"
                "kernel/crypto/crc32c_generic.ko:\n"
                "kernel/arch/x86/crypto/crc32c-intel.ko:\n")
    with open(os.path.join(moddir, "modules.softdep"), "w") as f:
        f.write("# comment\nsoftdep ext4 pre: crypto-crc32c post: something\nsoftdep virtio_net pre: failover\n")
    with open(os.path.join(moddir, "modules.alias"), "w") as f:
        f.write("alias crypto-crc32c crc32c_intel\nalias crypto-crc32c crc32c_generic\n")
    with open(os.path.join(moddir, "modules.builtin"), "w") as f:
        f.write("kernel/net/core/failover.ko\n")
    init = os.path.join(tmp, "init")
    open(init, "wb").write(b"#!fake init\n")

    out = os.path.join(tmp, "initrd.img")
    r = subprocess.run([sys.executable, mkinitrd, "--modules", moddir, init, out], capture_output=True, text=True)
    check("mkinitrd.py --modules DIR succeeds (" + (r.stderr.strip() or "no message") + ")", r.returncode == 0)
    if r.returncode == 0:
        a = cpio(out)
        order = a.get(f"lib/modules/{rel}/volt.order", b"").decode().split()
        want = ["virtio", "virtio_ring", "virtio_mmio", "virtio_blk", "virtio_net", "crc32c_generic", "jbd2", "ext4"]
        check(f"load order {order}", order == want)
        for name in want:
            check(f"{name}.ko stored uncompressed",
                  a.get(f"lib/modules/{rel}/{name}.ko") == b"\x7fELF fake module " + name.encode())
        check("crc32c_intel not carried (the generic one is preferred)", f"lib/modules/{rel}/crc32c_intel.ko" not in a)
        check("failover not carried (built in)", not any("failover" in n for n in a))
        check("/init is the given init", a.get("init") == b"#!fake init\n")

    # jbd2 gone from modules.dep: ext4 names it, and it is nowhere.
    dep = os.path.join(moddir, "modules.dep")
    text = open(dep).read().replace("kernel/fs/jbd2/jbd2.ko:\n", "")
    open(dep, "w").write(text)
    r = subprocess.run([sys.executable, mkinitrd, "--modules", moddir, init, out], capture_output=True, text=True)
    check("a missing module fails, naming it: " + r.stderr.strip(), r.returncode != 0 and "jbd2" in r.stderr)

    r = subprocess.run([sys.executable, mkinitrd, init, out], capture_output=True, text=True)
    check("without --modules: no modules", r.returncode == 0 and not any(n.startswith("lib") for n in cpio(out)))
sys.exit(1 if failed else 0)
