#!/usr/bin/env python3
# A canonical listing of an image's file system, one JSON object a line,
# sorted by path: type, mode, uid, gid, symlink target, content SHA-256,
# mtime of files, and for hard links the first path of the link group.
# Compare the listings of two sources to compare their trees.
#
# usage: oci-tree.py layout DIR   an OCI image layout (its only image,
#                                 layers merged with whiteouts applied)
#        oci-tree.py dir DIR      a checked-out directory (lstat)
#        oci-tree.py config DIR   the image config's "config" object of a layout
#        oci-tree.py special DIR  write a layout of one image holding what
#                                 tests/img/oci-layout.py cannot make: a FIFO,
#                                 device nodes, xattrs
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import json
import os
import stat
import sys
import tarfile


def blob(layout, digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
        return f.read()


def manifest(layout):
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    if len(index["manifests"]) != 1:
        raise SystemExit("want one image in %s, found %d" % (layout, len(index["manifests"])))
    return json.loads(blob(layout, index["manifests"][0]["digest"]))


def from_layout(layout):
    files = {}
    for layer in manifest(layout)["layers"]:
        path = os.path.join(layout, "blobs", "sha256", layer["digest"].split(":", 1)[1])
        with tarfile.open(path, mode="r:*") as tar:
            for ti in tar:
                p = os.path.normpath(ti.name).lstrip("/")
                if p == ".":
                    continue
                d, base = os.path.split(p)
                if base == ".wh..wh..opq":
                    for k in [k for k in files if k.startswith(d + "/")]:
                        del files[k]
                    continue
                if base.startswith(".wh."):
                    gone = os.path.join(d, base[4:])
                    for k in [k for k in files if k == gone or k.startswith(gone + "/")]:
                        del files[k]
                    continue
                e = {"path": p, "mode": ti.mode & 0o7777, "uid": ti.uid, "gid": ti.gid}
                xattrs = {k[13:]: v for k, v in ti.pax_headers.items() if k.startswith("SCHILY.xattr.")}
                if xattrs:
                    e["xattrs"] = xattrs
                if ti.isdir():
                    e["type"] = "dir"
                elif ti.issym():
                    e.update(type="symlink", target=ti.linkname)
                elif ti.islnk():
                    t = files[os.path.normpath(ti.linkname)]
                    e = dict(t, path=p)
                    t["link"] = e["link"] = t.get("link", t["path"])
                elif ti.isfile():
                    e.update(type="file", sha256=hashlib.sha256(tar.extractfile(ti).read()).hexdigest(),
                             mtime=int(ti.mtime))
                elif ti.isfifo():
                    e["type"] = "fifo"
                else:
                    e.update(type="dev", rdev=[ti.devmajor, ti.devminor])
                files[p] = e
    return files


def from_dir(root):
    files, inodes = {}, {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            p = os.path.relpath(full, root)
            st = os.lstat(full)
            e = {"path": p, "mode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid}
            if not stat.S_ISLNK(st.st_mode):
                xattrs = {k: os.getxattr(full, k, follow_symlinks=False).decode()
                          for k in os.listxattr(full, follow_symlinks=False)}
                if xattrs:
                    e["xattrs"] = xattrs
            if stat.S_ISDIR(st.st_mode):
                e["type"] = "dir"
            elif stat.S_ISLNK(st.st_mode):
                e.update(type="symlink", target=os.readlink(full))
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    e.update(type="file", sha256=hashlib.sha256(f.read()).hexdigest(), mtime=int(st.st_mtime))
                if st.st_nlink > 1:
                    inodes.setdefault(st.st_ino, []).append(p)
            elif stat.S_ISFIFO(st.st_mode):
                e["type"] = "fifo"
            else:
                e.update(type="dev", rdev=[os.major(st.st_rdev), os.minor(st.st_rdev)])
            files[p] = e
    for group in inodes.values():
        if len(group) > 1:
            for p in group:
                files[p]["link"] = min(group)
    return files


def normalise(files):
    # The first path of a link group, whatever order the source listed them in.
    groups = {}
    for e in files.values():
        if "link" in e:
            groups.setdefault(e["link"], []).append(e["path"])
    for members in groups.values():
        for p in members:
            files[p]["link"] = min(members)
    for p in sorted(files):
        print(json.dumps(files[p], sort_keys=True))


def special(out):
    import io
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, kind, data=b"", **kw):
            ti = tarfile.TarInfo(name)
            ti.type, ti.mtime, ti.size = kind, 1700000000, len(data)
            for k, v in kw.items():
                setattr(ti, k, v)
            tar.addfile(ti, io.BytesIO(data) if data else None)
        add("dev", tarfile.DIRTYPE, mode=0o755)
        add("dev/fifo", tarfile.FIFOTYPE, mode=0o620, uid=5, gid=6)
        add("dev/null2", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3)
        add("dev/loop200", tarfile.BLKTYPE, mode=0o660, devmajor=7, devminor=200, gid=6)
        add("data", tarfile.REGTYPE, b"tagged\n", mode=0o644,
            pax_headers={"SCHILY.xattr.user.mime": "text/plain", "SCHILY.xattr.user.long": "v" * 300})
        add("tagged-dir", tarfile.DIRTYPE, mode=0o700, pax_headers={"SCHILY.xattr.user.dir": "yes"})
    layer = buf.getvalue()
    os.makedirs(os.path.join(out, "blobs", "sha256"))

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + d, "size": len(data)}
    lay = put(layer)
    cfg = put(json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/data"]},
                          "rootfs": {"type": "layers", "diff_ids": [lay["digest"]]}}).encode())
    man = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": dict(cfg, mediaType="application/vnd.oci.image.config.v1+json"),
                          "layers": [dict(lay, mediaType="application/vnd.oci.image.layer.v1.tar")]}).encode())
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [dict(man, mediaType="application/vnd.oci.image.manifest.v1+json",
                   annotations={"org.opencontainers.image.ref.name": "special:1"})]}, f)


if sys.argv[1] == "special":
    special(sys.argv[2])
elif sys.argv[1] == "layout":
    normalise(from_layout(sys.argv[2]))
elif sys.argv[1] == "dir":
    normalise(from_dir(sys.argv[2]))
elif sys.argv[1] == "config":
    cfg = json.loads(blob(sys.argv[2], manifest(sys.argv[2])["config"]["digest"]))
    print(json.dumps(cfg.get("config", {}), sort_keys=True))
else:
    raise SystemExit("usage: oci-tree.py layout|dir|config DIR")
