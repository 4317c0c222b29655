#!/usr/bin/env python3
# Hostile OCI images for the attacker's suite: one OCI image layout per
# attack, each a busybox base layer (so that a container of it runs) and a
# hostile layer or config. Written from scratch with no network.
#
# usage: hostile-images.py ROOTFS OUTDIR [NAME...]
#   ROOTFS  a busybox tree (images/busybox-rootfs.sh) for the base layer
#   OUTDIR  gets OUTDIR/NAME/ (an OCI layout) per image and OUTDIR/cases.json
#
# cases.json: [{"name", "layout", "what", "probe": [probe-image attempts],
#   "host_paths": [paths outside the image that must never appear],
#   "layers": [{"digest", "media_type"}]}, ...]
#
# The sizes of the bombs are bounded by the environment so that the suite
# runs in minutes: HOSTILE_BOMB_BYTES (the gzip bomb's one file, default
# 1 GiB, about 1 MiB compressed), HOSTILE_ENTRIES (the entry bomb, default
# 1000000 empty files), HOSTILE_LINKS (hard links to one file, default 20000).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import io
import json
import os
import struct
import sys
import tarfile
import zlib

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_TAR = "application/vnd.oci.image.layer.v1.tar"
MT_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MTIME = 1700000000
BOMB_BYTES = int(os.environ.get("HOSTILE_BOMB_BYTES", str(1 << 30)))
ENTRIES = int(os.environ.get("HOSTILE_ENTRIES", "1000000"))
LINKS = int(os.environ.get("HOSTILE_LINKS", "20000"))
HOST_TAG = os.environ.get("HOSTILE_HOST_TAG", "volt-hostile")


class Blob:
    """A blob written as it is made: its digest, size, and the digest of what it holds uncompressed."""

    def __init__(self, out, gzip_it):
        self.out = out
        self.tmp = os.path.join(out, "blobs", "sha256", ".tmp-%d" % os.getpid())
        self.f = open(self.tmp, "wb")
        self.digest = hashlib.sha256()
        self.diff = hashlib.sha256()
        self.size = 0
        self.z = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip_it else None

    def _emit(self, data):
        if data:
            self.f.write(data)
            self.digest.update(data)
            self.size += len(data)

    def write(self, data):
        self.diff.update(data)
        self._emit(self.z.compress(data) if self.z else data)

    def close(self):
        if self.z:
            self._emit(self.z.flush())
        self.f.close()
        hexd = self.digest.hexdigest()
        os.rename(self.tmp, os.path.join(self.out, "blobs", "sha256", hexd))
        return "sha256:" + hexd, self.size, "sha256:" + self.diff.hexdigest()


def put_blob(out, data):
    b = Blob(out, False)
    b.write(data)
    return b.close()[:2]


class Tar:
    """A tar stream into a Blob, entry by entry (PAX where needed)."""

    def __init__(self, blob):
        self.blob = blob

    def add(self, path, kind="file", data=b"", mode=None, target="", major=0, minor=0, xattrs=None,
            size=None, fill=None):
        ti = tarfile.TarInfo(path)
        ti.mtime = MTIME
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        types = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                 "hardlink": tarfile.LNKTYPE, "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE,
                 "fifo": tarfile.FIFOTYPE}
        ti.type = types[kind]
        ti.mode = mode if mode is not None else (0o755 if kind == "dir" else 0o777 if kind == "symlink" else 0o644)
        ti.linkname = target
        ti.devmajor, ti.devminor = major, minor
        ti.size = size if size is not None else len(data) if kind == "file" else 0
        if xattrs:
            # Binary values: tarfile marks the header hdrcharset=BINARY.
            ti.pax_headers = {"SCHILY.xattr." + k: v.decode("utf-8", "surrogateescape") for k, v in xattrs.items()}
        self.blob.write(ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        if kind == "file":
            if fill is not None:
                left = ti.size
                chunk = bytes([fill]) * (1 << 20)
                while left > 0:
                    n = min(left, len(chunk))
                    self.blob.write(chunk[:n])
                    left -= n
            else:
                self.blob.write(data)
            if ti.size % 512:
                self.blob.write(b"\0" * (512 - ti.size % 512))

    def tree(self, src):
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            rel = os.path.relpath(dirpath, src)
            for name in sorted(dirnames) + sorted(filenames):
                full = os.path.join(dirpath, name)
                path = os.path.normpath(os.path.join(rel, name))
                st = os.lstat(full)
                if os.path.islink(full):
                    self.add(path, "symlink", target=os.readlink(full))
                elif os.path.isdir(full):
                    self.add(path, "dir", mode=st.st_mode & 0o7777)
                else:
                    with open(full, "rb") as f:
                        self.add(path, "file", f.read(), mode=st.st_mode & 0o7777)

    def close(self):
        self.blob.write(b"\0" * 1024)
        return self.blob.close()


def layer(out, fill, gzip_it=True):
    t = Tar(Blob(out, gzip_it))
    fill(t)
    digest, size, diff = t.close()
    return {"digest": digest, "size": size, "diff": diff, "media_type": MT_GZIP if gzip_it else MT_TAR}


def image(out, layers, config, raw_config=None):
    cfg = raw_config if raw_config is not None else json.dumps({
        "created": "2023-11-14T22:13:20Z", "architecture": "amd64", "os": "linux", "config": config,
        "rootfs": {"type": "layers", "diff_ids": [l["diff"] for l in layers]},
    }, sort_keys=True).encode()
    cdigest, csize = put_blob(out, cfg)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": cdigest, "size": csize},
        "layers": [{"mediaType": l["media_type"], "digest": l["digest"], "size": l["size"]} for l in layers],
    }, sort_keys=True).encode()
    mdigest, msize = put_blob(out, manifest)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": [{"mediaType": MT_MANIFEST, "digest": mdigest, "size": msize,
                                  "annotations": {"org.opencontainers.image.ref.name": "1"}}]}, f)


def cap_sys_admin():
    # struct vfs_cap_data, revision 2, effective: CAP_SYS_ADMIN (21) permitted.
    return struct.pack("<IIIII", 0x02000000 | 1, 1 << 21, 0, 0, 0)


# Each case: (what it attacks, probe attempts, host paths, hostile layer filler, config, raw config bytes).
def cases(host_dir):
    # A rule widened to "/" would let the workload write its root; reading
    # it is the container default since 0.3 (its own overlay, no host file).
    probe_root = ["write:/pwned", "write:/usr/pwned"]
    return {
        "devices": ("device nodes c 7:0 (vcs), c 10:232 (kvm), b 8:0 (sda), c 1:1 (mem) in a writable place",
                    ["dev:/var/tmp/devs/vcs", "dev:/var/tmp/devs/kvm", "dev:/var/tmp/devs/sda",
                     "dev:/var/tmp/devs/mem"], [],
                    lambda t: [t.add("var/tmp", "dir", mode=0o1777), t.add("var/tmp/devs", "dir"),
                               t.add("var/tmp/devs/vcs", "char", mode=0o666, major=7, minor=0),
                               t.add("var/tmp/devs/kvm", "char", mode=0o666, major=10, minor=232),
                               t.add("var/tmp/devs/sda", "block", mode=0o666, major=8, minor=0),
                               t.add("var/tmp/devs/mem", "char", mode=0o666, major=1, minor=1)], None, None),
        "setuid": ("set-user-ID and set-group-ID root files",
                   ["setuid:/usr/bin/suid-root", "setuid:/usr/bin/sgid-root"], [],
                   lambda t: [t.add("usr/bin/suid-root", "file", b"#!/bin/sh\nid\n", mode=0o4755),
                              t.add("usr/bin/sgid-root", "file", b"#!/bin/sh\nid\n", mode=0o2755)], None, None),
        "fcap": ("a file capability (security.capability: cap_sys_admin) in a PAX SCHILY.xattr record",
                 ["fcap:/usr/bin/cap-admin"], [],
                 lambda t: t.add("usr/bin/cap-admin", "file", b"#!/bin/sh\nid\n", mode=0o755,
                                 xattrs={"security.capability": cap_sys_admin(),
                                         "trusted.overlay.opaque": b"y"}), None, None),
        "workdir-slash": ('WorkingDir "//"', probe_root, [], None, {"WorkingDir": "//"}, None),
        "workdir-proc": ('WorkingDir "/proc/.."', probe_root, [], None, {"WorkingDir": "/proc/.."}, None),
        "link-vartmp": ("/var/tmp -> / (a default policy rule's place)", probe_root, [],
                        lambda t: t.add("var/tmp", "symlink", target="/"), None, None),
        "link-opt": ("/opt -> /", probe_root, [], lambda t: t.add("opt", "symlink", target="/"), None, None),
        "traversal-dotdot": ('an entry "../../%s-dotdot"' % HOST_TAG, [], ["/%s-dotdot" % HOST_TAG],
                             lambda t: t.add("../../%s-dotdot" % HOST_TAG, "file", b"escaped\n"), None, None),
        "traversal-abs": ('an absolute entry "/%s-abs"' % HOST_TAG, [], ["/%s-abs" % HOST_TAG],
                          lambda t: t.add("/%s-abs" % HOST_TAG, "file", b"escaped\n"), None, None),
        "traversal-link": ("a link to a host directory, then a file through it", [],
                           [os.path.join(host_dir, "planted")],
                           lambda t: [t.add("evil", "symlink", target=host_dir),
                                      t.add("evil/planted", "file", b"escaped\n")], None, None),
        "traversal-hardlink": ("a hard link to a host file", [], [],
                               lambda t: t.add("passwd-link", "hardlink", target="/etc/passwd"), None, None),
        "gzip-bomb": ("a gzip bomb: one file of %d bytes of zeros" % BOMB_BYTES, [], [],
                      lambda t: t.add("bomb", "file", size=BOMB_BYTES, fill=0), None, None),
        "entries-bomb": ("%d empty files" % ENTRIES, [], [],
                         lambda t: entries_bomb(t), None, None),
        "hardlink-bomb": ("%d hard links to one 64 KiB file" % LINKS, [], [],
                          lambda t: [t.add("hl", "dir"), t.add("hl/target", "file", b"L" * 65536)] +
                          [t.add("hl/%06d" % i, "hardlink", target="hl/target") for i in range(LINKS)], None, None),
        "config-escapes": ("an Entrypoint, Env and User full of terminal escapes", [], [], None,
                           {"Entrypoint": ["/bin/sh", "-c", "\u001b]0;pwned\u0007\u001b[2J\u009b31m"],
                            "Env": ["E=\u001b[5m"], "User": "\u001b[8m"}, None),
        "config-huge-env": ("an Env of 7500 entries of 500 bytes (3.8 MB of config, under skopeo's 4 MiB)",
                            [], [], None, {"Env": ["V%05d=%s" % (i, "x" * 493) for i in range(7500)]}, None),
        "config-huge-field": ("a 3 MB WorkingDir and Entrypoint argument", [], [], None,
                              {"WorkingDir": "/" + "w" * (1 << 20), "Entrypoint": ["/bin/sh", "-c", "x" * (2 << 20)]},
                              None),
        "config-types": ("a config whose fields have the wrong types", [], [], None,
                         {"Entrypoint": "not a list", "Env": [1, {"a": 2}], "WorkingDir": 5, "User": ["x"],
                          "ExposedPorts": "80"}, None),
        "config-garbage": ("a config blob that is not JSON", [], [], None, None, b"\x1b[2J{not json" + bytes(range(256))),
    }


def entries_bomb(t):
    per_dir = 1000
    for d in range((ENTRIES + per_dir - 1) // per_dir):
        t.add("many/%04d" % d, "dir")
        for i in range(min(per_dir, ENTRIES - d * per_dir)):
            t.add("many/%04d/%04d" % (d, i), "file")


def main():
    if len(sys.argv) < 3:
        raise SystemExit("usage: hostile-images.py ROOTFS OUTDIR [NAME...]")
    rootfs, out = sys.argv[1], sys.argv[2]
    host_dir = os.path.join(os.path.abspath(out), "host-target")
    os.makedirs(host_dir, exist_ok=True)
    all_cases = cases(host_dir)
    names = sys.argv[3:] or list(all_cases)
    base_dir = os.path.join(out, ".base")
    os.makedirs(os.path.join(base_dir, "blobs", "sha256"), exist_ok=True)
    summary = []
    base = None
    for name in names:
        what, probe, host_paths, fill, config, raw = all_cases[name]
        lay = os.path.join(out, name)
        os.makedirs(os.path.join(lay, "blobs", "sha256"), exist_ok=True)

        def base_fill(t):
            t.tree(rootfs)
            t.add("secret", "file", b"image secret\n", mode=0o644)
            t.add("var/tmp", "dir", mode=0o1777)
            t.add("opt", "dir")
        # One base layer, hard-linked into each layout.
        if base is None:
            base = layer(base_dir, base_fill)
        src = os.path.join(base_dir, "blobs", "sha256", base["digest"][7:])
        dst = os.path.join(lay, "blobs", "sha256", base["digest"][7:])
        if not os.path.exists(dst):
            os.link(src, dst)
        layers = [base]
        if fill:
            layers.append(layer(lay, fill))
        image(lay, layers, dict({"Cmd": ["/bin/sh"]}, **(config or {})), raw)
        summary.append({"name": name, "layout": os.path.abspath(lay), "what": what, "probe": probe,
                        "host_paths": host_paths,
                        "layers": [{"digest": l["digest"], "media_type": l["media_type"]} for l in layers]})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
