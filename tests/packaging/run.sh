#!/bin/sh
# The distribution view, end to end: build the Debian packages from the
# tree, check them with lintian, install them with apt into a clean
# Debian root made by debootstrap (so their Depends must be right), and
# there build and run a third-party program against each library through
# pkg-config alone, run volt --version and render every manual page.
# usage: run.sh SOURCE_DIR
set -u
src=$1
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (chroot, apt in the clean root)"
for t in dpkg-buildpackage debootstrap lintian unshare; do
	command -v $t >/dev/null 2>&1 || skip "$t is not installed (scripts/install-deps installs it)"
done

work=$(mktemp -d /var/tmp/volt-packaging-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"

# Copy the tree without build directories, as a source package would have it.
if [ -d "$src/.git" ] && command -v git >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
		(cd "$src" && xargs -0 cp --parents -t "$work/src") || fail "copying the tree"
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -C "$work/src" -xf - || fail "copying the tree"
fi

echo "==> dpkg-buildpackage"
(cd "$work/src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
	{ tail -40 "$work/build.log"; fail "dpkg-buildpackage"; }
ls "$work"/*.deb

echo "==> lintian"
lintian --fail-on error --suppress-tags shared-library-lacks-prerequisites "$work"/*.changes ||
	fail "lintian reports errors"

# A minimal Debian with a compiler; cached, since it never depends on Volt.
cache=${VOLT_TEST_CACHE:-/var/cache/volt-tests}
mirror=${VOLT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=$cache/bookworm-minbase-gcc.tar
mkdir -p "$cache"
if [ ! -s "$base" ]; then
	echo "==> debootstrap (cached in $base)"
	debootstrap --variant=minbase --include=gcc,libc6-dev,pkg-config,man-db bookworm \
		"$work/seed" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log"; fail "debootstrap from $mirror"; }
	tar -C "$work/seed" -cf "$base.tmp" . && mv "$base.tmp" "$base"
	rm -rf "$work/seed"
fi
root=$work/root
mkdir "$root" && tar -C "$root" -xf "$base" || fail "unpacking $base"

mkdir "$root/volt-test"
cp "$work"/*.deb "$src"/tests/consumer/use-*.c "$root/volt-test/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null

cat >"$root/volt-test/inside.sh" <<'INSIDE'
set -eu
cd /volt-test
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# apt resolves the packages' own Depends (libjansson-dev, ...) from the mirror.
apt-get install -y -qq ./libvolt-*.deb ./volt_*.deb >/dev/null
for l in core cas img sec ctr vmm vm; do
	cc -std=c11 -Wall -Wextra -Werror use-$l.c $(pkg-config --cflags --libs libvolt-$l) -o use-$l
	./use-$l
done
volt --version
volt version
for page in /usr/share/man/man1/volt.1.gz /usr/share/man/man1/voltvm.1.gz \
	    /usr/share/man/man1/stellarium.1.gz /usr/share/man/man5/volt-policy.5.gz \
	    /usr/share/man/man3/libvolt.3.gz; do
	man -l "$page" 2>/dev/null | grep -q '^NAME' || { echo "man -l $page does not render"; exit 1; }
	echo "man -l $page: ok"
done
for c in volt voltvm stellarium; do
	[ -f /usr/share/bash-completion/completions/$c ] || { echo "no completion for $c"; exit 1; }
done
echo "installed packages work"
INSIDE

echo "==> install into a clean root and use"
unshare --mount --propagation private sh -c "
	mount -t proc proc '$root/proc' && mount --rbind /dev '$root/dev' &&
	chroot '$root' /bin/sh /volt-test/inside.sh" || fail "inside the clean root"
echo "packaging: ok"
