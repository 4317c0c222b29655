#!/usr/bin/env python3
# Write an OCI image layout holding DIR as one gzip layer, streaming:
# `tar -C DIR -c . | gzip -6` straight to the blob file, hashing on the
# way, so a tree of any size needs no more memory than a pipe buffer.
#
#   bench/img/gzip-layout.py DIR OUT     prints the layer's digest
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import json
import os
import subprocess
import sys

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
CHUNK = 1 << 20


def put_blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return digest


def main():
    src, out = sys.argv[1], sys.argv[2]
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    tmp = os.path.join(blobs, "layer.tmp")
    diff = hashlib.sha256()
    with open(tmp, "wb") as blob:
        tar = subprocess.Popen(["tar", "-C", src, "--numeric-owner", "-c", "."],
                               stdout=subprocess.PIPE)
        gz = subprocess.Popen(["gzip", "-6", "-n"], stdin=subprocess.PIPE, stdout=blob)
        while True:
            chunk = tar.stdout.read(CHUNK)
            if not chunk:
                break
            diff.update(chunk)
            gz.stdin.write(chunk)
        gz.stdin.close()
        if tar.wait() != 0 or gz.wait() != 0:
            sys.exit("gzip-layout: tar or gzip of %s failed" % src)
    digest = hashlib.sha256()
    size = 0
    with open(tmp, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
    layer = digest.hexdigest()
    os.rename(tmp, os.path.join(blobs, layer))

    config = {"architecture": "amd64", "os": "linux", "config": {},
              "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff.hexdigest()]}}
    cbytes = json.dumps(config, sort_keys=True).encode()
    manifest = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
                "config": {"mediaType": MT_CONFIG, "digest": "sha256:" + put_blob(out, cbytes),
                           "size": len(cbytes)},
                "layers": [{"mediaType": MT_LAYER, "digest": "sha256:" + layer, "size": size}]}
    mbytes = json.dumps(manifest, sort_keys=True).encode()
    index = {"schemaVersion": 2, "manifests": [
        {"mediaType": MT_MANIFEST, "digest": "sha256:" + put_blob(out, mbytes),
         "size": len(mbytes), "platform": {"architecture": "amd64", "os": "linux"}}]}
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, sort_keys=True)
    print(layer)


if __name__ == "__main__":
    main()
