#!/bin/sh
# Makes a docker-archive of a Debian bookworm minbase with nginx-light and
# python3, cached under /var/cache/volt-tests (debootstrap takes minutes).
# usage: debian-image.sh OUT.tar   (exit 77 with "SKIP: reason" if no mirror)
set -eu
out=$1
pkgs=nginx-light,python3
cache=/var/cache/volt-tests/debian-bookworm-minbase-$(echo "$pkgs" | tr ',' '+')-$(date +%Y%m).tar
mirror=${VOLT_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ ! -s "$cache" ]; then
	command -v debootstrap >/dev/null || { echo "SKIP: debootstrap is not installed"; exit 77; }
	work=$(mktemp -d /var/tmp/volt-debootstrap-XXXXXX)
	trap 'rm -rf "$work"' EXIT
	if ! debootstrap --variant=minbase --include="$pkgs" bookworm "$work/root" "$mirror" >"$work/log" 2>&1; then
		tail -5 "$work/log"
		echo "SKIP: debootstrap could not build bookworm from $mirror"
		exit 77
	fi
	mkdir -p /var/cache/volt-tests
	tar -C "$work/root" --numeric-owner -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
fi
python3 - "$cache" "$out" <<'PY'
import hashlib, io, json, sys, tarfile
layer, out = sys.argv[1], sys.argv[2]
h = hashlib.sha256()
with open(layer, "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""):
        h.update(b)
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h.hexdigest()]}}).encode()
man = json.dumps([{"Config": "config.json", "RepoTags": ["debian-svc:test"], "Layers": ["layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, data in (("config.json", cfg), ("manifest.json", man)):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    t.add(layer, arcname="layer.tar")
PY
