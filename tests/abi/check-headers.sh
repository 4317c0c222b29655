#!/bin/sh
# Every installed public header compiles on its own, as C99, C11 and C++,
# with -Wall -Wextra -pedantic -Werror (a C++ compiler is optional).
# usage: check-headers.sh CC CXX-or-empty INCLUDE_DIR...
set -u
cc=$1 cxx=$2
shift 2
incs=""
for d in "$@"; do incs="$incs -I$d"; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for d in "$@"; do
	for h in $(cd "$d" && find volt -name '*.h' | sort); do
		printf '#include <%s>\nint volt_header_test_dummy;\n' "$h" > "$tmp/t.c"
		for std in c99 c11; do
			n=$((n + 1))
			# shellcheck disable=SC2086
			if ! $cc -std=$std -Wall -Wextra -pedantic -Werror $incs -c "$tmp/t.c" -o "$tmp/t.o" 2> "$tmp/err"; then
				echo "FAIL: <$h> as $std:"; cat "$tmp/err"; fail=1
			fi
		done
		if [ -n "$cxx" ]; then
			n=$((n + 1))
			cp "$tmp/t.c" "$tmp/t.cc"
			# shellcheck disable=SC2086
			if ! $cxx -std=c++17 -Wall -Wextra -pedantic -Werror $incs -c "$tmp/t.cc" -o "$tmp/t.o" 2> "$tmp/err"; then
				echo "FAIL: <$h> as C++17:"; cat "$tmp/err"; fail=1
			fi
		fi
	done
done
echo "$n header compilations"
[ "$n" -gt 0 ] || { echo "no headers found"; exit 1; }
exit $fail
