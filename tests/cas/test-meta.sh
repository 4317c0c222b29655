#!/bin/sh
# What a checkout writes matches what was imported, through the paths
# that skip syscalls: files created with their final mode (when the
# umask leaves it alone) or chmod()ed (when it does not, or for set-ID
# and group-writable modes), chown() only for ids other than the
# creator's, many files per worker batch, hard links, a FIFO swapped in
# for a file name (readdir's type is not trusted). Run under several
# umasks. Usage: test-meta.sh STELLARIUM
set -eu
ST=$1
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/volt-cas-meta-XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
S="$ST --root $T/root"
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$T/src/d/e"
i=0
for m in 0644 0755 0600 0664 0666 0444 0400 0700 0750 0640 0777 4755 2755 1777 0000; do
	printf 'file %s\n' "$m" >"$T/src/f$m"
	chmod "$m" "$T/src/f$m"
	i=$((i + 1))
done
chmod 2775 "$T/src/d"
# More files than one batch holds, small and large.
n=0
while [ $n -lt 100 ]; do
	printf '%s\n' "$n" >"$T/src/d/e/s$n"
	n=$((n + 1))
done
head -c 3000000 /dev/urandom >"$T/src/d/big"
ln "$T/src/d/big" "$T/src/d/big-link"
ln -s ../f0644 "$T/src/d/sym"
mkfifo "$T/src/d/fifo"
if [ "$(id -u)" = 0 ]; then
	chown 1234:5678 "$T/src/f0644" "$T/src/d/e/s7"
	chown 0:5678 "$T/src/f0755"
fi
$S import --tag t "$T/src" >/dev/null

# Mode, owner, size, mtime and content of every entry (links not followed).
listing() {
	python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
for d, dirs, files in sorted(os.walk(root)):
    dirs.sort()
    for n in sorted(dirs + files):
        p = os.path.join(d, n)
        st = os.lstat(p)
        h = ""
        if stat.S_ISREG(st.st_mode):
            h = hashlib.sha256(open(p, "rb").read()).hexdigest()
        elif stat.S_ISLNK(st.st_mode):
            h = os.readlink(p)
        print(os.path.relpath(p, root), oct(st.st_mode), st.st_uid, st.st_gid, st.st_nlink,
              st.st_size if not stat.S_ISDIR(st.st_mode) else 0, st.st_mtime_ns, h)
PY
}
listing "$T/src" >"$T/want"
for u in 022 077 027 000 002; do
	(umask $u && $S checkout --full t "$T/co$u") || fail "checkout under umask $u"
	listing "$T/co$u" >"$T/got$u"
	diff "$T/want" "$T/got$u" || fail "checkout under umask $u differs from the source"
done
echo "OK: modes, owners and contents survive checkouts under five umasks"
