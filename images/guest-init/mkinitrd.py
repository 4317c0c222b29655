#!/usr/bin/env python3
"""Pack the guest init into a gzip'd cpio (newc) initramfs.

usage: mkinitrd.py [--modules DIR|auto|none] INIT OUTPUT

The archive holds /init (the static guest init), the directories it
mounts on, and /dev/console, which the kernel opens as init's standard
streams before anything is mounted. Written here rather than with
cpio(1) so that the device node needs no root, and byte-for-byte
reproducible (mtime 0, fixed inode numbers, gzip without a timestamp).

With --modules, it also carries the kernel modules a distribution kernel
needs to reach its root disk and network on Stardust (virtio_mmio,
virtio_blk, virtio_net, ext4), with their dependencies from modules.dep
and the softdeps the loader honours, taken from DIR (a
/lib/modules/RELEASE tree): /lib/modules/RELEASE/NAME.ko, uncompressed
here (xz, gzip, zstd), and /lib/modules/RELEASE/volt.order, the names in
load order, which the guest init loads when the running kernel's release
is RELEASE. The gzip header's file name is then "volt-modules=RELEASE":
the VM manager reads it (without decompressing) to pick the matching
/boot/vmlinuz-RELEASE when no kernel is named. "auto" takes the newest /boot/vmlinuz-* whose modules are
installed, and none if there is none (a note says so); "none" (the
default) carries no modules.
"""
import glob
import gzip
import lzma
import os
import re
import shutil
import stat
import subprocess
import sys

# What the guest needs; the rest comes from modules.dep and modules.softdep.
WANTED = ["virtio_mmio", "virtio_blk", "virtio_net", "ext4"]
# An alias names several providers: take the one that runs on any x86-64 CPU.
PREFERRED = {"crypto-crc32c": "crc32c_generic", "crc32c": "crc32c_generic"}


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = head + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def module_name(path):
    base = os.path.basename(path)
    base = re.sub(r"\.ko(\.(xz|gz|zst))?$", "", base)
    return base.replace("-", "_")


def read_module(path):
    """The module's ELF bytes, decompressed if the distribution compressed it."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        zstd = shutil.which("zstd")
        if not zstd:
            sys.exit(f"mkinitrd.py: {path} is zstd-compressed and zstd(1) is not installed")
        return subprocess.run([zstd, "-dcq", path], check=True, capture_output=True).stdout
    return data


def load_order(moddir):
    """Module files of WANTED and what they need, dependencies first."""
    deps, by_name = {}, {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            if ":" not in line:
                continue
            mod, rest = line.split(":", 1)
            deps[mod] = rest.split()
            by_name[module_name(mod)] = mod
    aliases = {}
    try:
        with open(os.path.join(moddir, "modules.alias")) as f:
            for line in f:
                w = line.split()
                if len(w) == 3 and w[0] == "alias":
                    aliases.setdefault(w[1], []).append(w[2])
    except FileNotFoundError:
        pass
    softdeps = {}
    try:
        with open(os.path.join(moddir, "modules.softdep")) as f:
            for line in f:
                w = line.split()
                if len(w) >= 3 and w[0] == "softdep" and w[2] == "pre:":
                    pre = []
                    for x in w[3:]:
                        if x == "post:":
                            break
                        pre.append(x)
                    softdeps[w[1].replace("-", "_")] = pre
    except FileNotFoundError:
        pass
    builtin = set()
    try:
        with open(os.path.join(moddir, "modules.builtin")) as f:
            builtin = {module_name(line.strip()) for line in f if line.strip()}
    except FileNotFoundError:
        pass

    def resolve(alias):
        name = alias.replace("-", "_")
        if name in by_name or name in builtin:
            return name
        if alias in PREFERRED and PREFERRED[alias] in by_name:
            return PREFERRED[alias]
        found = [m.replace("-", "_") for m in aliases.get(alias, [])]
        return found[0] if found else None

    order, seen = [], set()

    def visit(name, why):
        real = resolve(name)
        if real is None:
            sys.exit(f"mkinitrd.py: no module {name} (needed by {why}) in {moddir}")
        if real in seen or real in builtin:
            return
        seen.add(real)
        for pre in softdeps.get(real, []):
            visit(pre, real)
        for dep in deps[by_name[real]]:
            visit(module_name(dep), real)
        order.append((real, os.path.join(moddir, by_name[real])))

    for name in WANTED:
        visit(name, "the guest")
    return order


def auto_modules():
    """/lib/modules/RELEASE of the newest /boot/vmlinuz-RELEASE with modules, or None."""
    def key(path):
        return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", path)]

    for kernel in sorted(glob.glob("/boot/vmlinuz-*"), key=key, reverse=True):
        moddir = "/lib/modules/" + kernel[len("/boot/vmlinuz-"):]
        if os.path.isfile(os.path.join(moddir, "modules.dep")):
            return moddir
    return None


def main():
    args = sys.argv[1:]
    modules = "none"
    if len(args) >= 2 and args[0] == "--modules":
        modules = args[1]
        args = args[2:]
    if len(args) != 2:
        sys.exit("usage: mkinitrd.py [--modules DIR|auto|none] INIT OUTPUT")
    if modules == "auto":
        modules = auto_modules()
        if modules is None:
            print("mkinitrd.py: note: no /boot/vmlinuz-* with modules: the initramfs carries none")
    elif modules == "none":
        modules = None
    with open(args[0], "rb") as f:
        init = f.read()
    parts = [
        entry(1, "dev", stat.S_IFDIR | 0o755),
        entry(2, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)),
        entry(3, "proc", stat.S_IFDIR | 0o755),
        entry(4, "sys", stat.S_IFDIR | 0o755),
        entry(5, "newroot", stat.S_IFDIR | 0o755),
        entry(6, "init", stat.S_IFREG | 0o755, init),
    ]
    ino = 7
    if modules:
        moddir = os.path.normpath(modules)
        release = os.path.basename(moddir)
        order = load_order(moddir)
        for d in ("lib", "lib/modules", "lib/modules/" + release):
            parts.append(entry(ino, d, stat.S_IFDIR | 0o755))
            ino += 1
        for name, path in order:
            parts.append(entry(ino, f"lib/modules/{release}/{name}.ko", stat.S_IFREG | 0o644,
                               read_module(path)))
            ino += 1
        text = "".join(name + "\n" for name, _ in order).encode()
        parts.append(entry(ino, f"lib/modules/{release}/volt.order", stat.S_IFREG | 0o644, text))
        ino += 1
    parts.append(entry(ino, "TRAILER!!!", 0))
    archive = b"".join(parts)
    archive += b"\0" * (-len(archive) % 512)
    # The manifest of the modules' release, in the gzip header (FNAME),
    # which Linux's initramfs unpacker skips.
    name = "volt-modules=" + release if modules else ""
    with open(args[1], "wb") as f:
        with gzip.GzipFile(filename=name, mode="wb", fileobj=f, mtime=0) as z:
            z.write(archive)


if __name__ == "__main__":
    main()
