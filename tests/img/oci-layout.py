#!/usr/bin/env python3
# Build an OCI image layout directory (oci-layout, index.json, blobs/sha256/)
# from a JSON description, for tests: the images Volt imports or a registry
# serves are made here, from scratch, with no network.
#
# usage: oci-layout.py SPEC.json OUTDIR        (or "-" for SPEC on stdin)
#
# SPEC:
# {
#   "name": "demo:1.0",                 ref name annotation in index.json (optional)
#   "os": "linux", "architecture": "amd64",
#   "config": {"Entrypoint": [...], "Cmd": [...], "Env": [...], "WorkingDir": "/",
#              "User": "", "ExposedPorts": {"80/tcp": {}}},
#   "layers": [ LAYER, ... ],           lowest first
#   "platforms": [ {"os":..,"architecture":..,"config":..,"layers":[..]}, ... ]
#                                       instead of "layers": an image index of
#                                       one image per platform
# }
# LAYER:
# {
#   "compression": "gzip" | "zstd" | "none",      default gzip
#   "media_type": "...",                           override the descriptor's type
#   "entries": [ ENTRY, ... ],                     in archive order
#   "truncate": N,                                 keep only the first N bytes of the blob
#   "garbage": true,                               blob is random bytes, not an archive
#   "wrong_digest": true                           descriptor names another digest
#   "wrong_diff_id": true                          config's diff_id does not match
# }
# ENTRY (paths are written verbatim, so hostile ones such as "../x" or "/x" can be made):
#   {"path": "etc/hello", "type": "file", "content": "text", "mode": 420, "uid": 0, "gid": 0}
#   {"path": "bin/busybox", "type": "file", "source": "/bin/busybox"}   content of a host file
#   {"path": "etc", "type": "dir", "mode": 493}
#   {"path": "bin/sh", "type": "symlink", "target": "busybox"}
#   {"path": "etc/hard", "type": "hardlink", "target": "etc/hello"}
#   {"path": "etc/.wh.old", "type": "whiteout"}     an empty file (same as a file)
#   {"path": "", "type": "tree", "source": "/some/dir"}   a host directory, recursively, under path
#
# Prints a JSON summary on stdout: {"manifest": "sha256:..", "config": "sha256:..",
# "layers": ["sha256:..", ...], "index": "sha256:.." (with platforms)}.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
MTIME = 1700000000


def put_blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(out, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return "sha256:" + digest


def expand_tree(e):
    """A host directory as entries (directories, files, symlinks), sorted."""
    out = []
    src = e["source"]
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel = os.path.relpath(dirpath, src)
        for name in sorted(dirnames) + sorted(filenames):
            full = os.path.join(dirpath, name)
            path = os.path.normpath(os.path.join(e.get("path", ""), rel, name))
            st = os.lstat(full)
            if os.path.islink(full):
                out.append({"path": path, "type": "symlink", "target": os.readlink(full)})
            elif os.path.isdir(full):
                out.append({"path": path, "type": "dir", "mode": st.st_mode & 0o7777})
            else:
                out.append({"path": path, "type": "file", "source": full, "mode": st.st_mode & 0o7777})
    return out


def layer_tar(entries):
    expanded = []
    for e in entries:
        expanded.extend(expand_tree(e) if e.get("type") == "tree" else [e])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for e in expanded:
            ti = tarfile.TarInfo(e["path"])
            ti.mtime = e.get("mtime", MTIME)
            ti.uid = e.get("uid", 0)
            ti.gid = e.get("gid", 0)
            kind = e.get("type", "file")
            data = None
            if kind in ("file", "whiteout"):
                ti.type = tarfile.REGTYPE
                ti.mode = e.get("mode", 0o644)
                if "source" in e:
                    with open(e["source"], "rb") as f:
                        data = f.read()
                    ti.mode = e.get("mode", os.stat(e["source"]).st_mode & 0o7777)
                else:
                    data = e.get("content", "").encode()
                ti.size = len(data)
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = e.get("mode", 0o755)
            elif kind == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = e["target"]
                ti.mode = 0o777
            elif kind == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = e["target"]
                ti.mode = e.get("mode", 0o644)
            else:
                raise SystemExit("unknown entry type " + kind)
            tar.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def compress(data, how):
    if how == "none":
        return data
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    raise SystemExit("unknown compression " + how)


def build_image(out, spec, summary):
    layers, diff_ids = [], []
    for lspec in spec.get("layers", []):
        how = lspec.get("compression", "gzip")
        if lspec.get("garbage"):
            tar = os.urandom(4096)
            blob = tar
        else:
            tar = layer_tar(lspec.get("entries", []))
            blob = compress(tar, how)
        if "truncate" in lspec:
            blob = blob[: lspec["truncate"]]
        digest = put_blob(out, blob)
        if lspec.get("wrong_digest"):
            digest = "sha256:" + hashlib.sha256(b"not the blob" + blob).hexdigest()
        diff = "sha256:" + hashlib.sha256(tar).hexdigest()
        if lspec.get("wrong_diff_id"):
            diff = "sha256:" + hashlib.sha256(b"other").hexdigest()
        diff_ids.append(diff)
        layers.append({"mediaType": lspec.get("media_type", MT_LAYER[how]), "digest": digest, "size": len(blob)})
        summary.setdefault("layers", []).append(digest)
    config = {
        "created": "2023-11-14T22:13:20Z",
        "architecture": spec.get("architecture", "amd64"),
        "os": spec.get("os", "linux"),
        "config": spec.get("config", {}),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "oci-layout.py"} for _ in layers],
    }
    cbytes = json.dumps(config, sort_keys=True).encode()
    cdigest = put_blob(out, cbytes)
    summary["config"] = cdigest
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": cdigest, "size": len(cbytes)},
        "layers": layers,
    }
    mbytes = json.dumps(manifest, sort_keys=True).encode()
    mdigest = put_blob(out, mbytes)
    summary["manifest"] = mdigest
    return {"mediaType": MT_MANIFEST, "digest": mdigest, "size": len(mbytes),
            "platform": {"architecture": config["architecture"], "os": config["os"]}}


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: oci-layout.py SPEC.json|- OUTDIR")
    spec = json.load(sys.stdin if sys.argv[1] == "-" else open(sys.argv[1]))
    out = sys.argv[2]
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    summary = {}
    if "platforms" in spec:
        descs = []
        for p in spec["platforms"]:
            s = {}
            descs.append(build_image(out, p, s))
            summary.setdefault("platforms", []).append(s)
        ibytes = json.dumps({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": descs},
                            sort_keys=True).encode()
        top = {"mediaType": MT_INDEX, "digest": put_blob(out, ibytes), "size": len(ibytes)}
        summary["index"] = top["digest"]
    else:
        top = build_image(out, spec, summary)
        top.pop("platform")
    if "name" in spec:
        top["annotations"] = {"org.opencontainers.image.ref.name": spec["name"]}
    index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [top]}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, sort_keys=True)
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
