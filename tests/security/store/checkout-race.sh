#!/bin/sh
# Escape 7: the checkout chmod race. A non-root user owns an empty
# destination and swaps every FIFO that root's checkout creates in it for
# a symlink to a root 0600 file; 0.2 chmodded through the link (fchmodat
# without AT_SYMLINK_NOFOLLOW) and made the root file -rwsrwsrwx.
# Now: the foreign destination is refused, the root file keeps its mode,
# and a checkout into a fresh destination gives the FIFOs their modes.
# Usage: checkout-race.sh STELLARIUM RACE-SWAP
# shellcheck source=race-lib.sh
. "$(dirname "$0")/race-lib.sh"

# The tree: many FIFOs with set-ID, world-writable modes (what the attacker wants the root file to get).
mkdir "$T/src"
i=0
while [ $i -lt 400 ]; do mkfifo "$T/src/p$i" || fail "mkfifo"; i=$((i + 1)); done
chmod 6777 "$T"/src/p*
$S import --tag fifos "$T/src" >/dev/null || fail "import"
echo secret >"$T/rootfile"
chmod 600 "$T/rootfile"

hit=0 refused=0 runs=0
while [ $runs -lt 20 ] && [ $hit -eq 0 ]; do
	runs=$((runs + 1))
	rm -rf "$T/dest" "$T/dest.atk"
	mkdir "$T/dest" "$T/dest.atk"
	chown 65534:65534 "$T/dest" "$T/dest.atk"
	"$SWAP" checkout "$T/dest" "$T/rootfile" 65534 p 400 >"$T/swap.log" 2>&1 &
	pid=$!
		# Wait until the attacker is ready (its prepared links are in the directory).
	n=0
	while ! grep -q watching "$T/swap.log" && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	if $S checkout fifos "$T/dest" >"$T/co.log" 2>&1; then
		echo "run $runs: checkout into a directory owned by uid 65534 succeeded"
	elif grep -q "belongs to uid 65534" "$T/co.log"; then
		refused=$((refused + 1))
	else
		echo "run $runs: checkout failed:"; cat "$T/co.log"
	fi
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
	mode=$(stat -c %a "$T/rootfile")
	if [ "$mode" != 600 ]; then
		echo "run $runs: the root 0600 file is now $(stat -c %A "$T/rootfile") (swaps: $(tail -1 "$T/swap.log"))"
		hit=1
	fi
done
[ $hit -eq 0 ] || fail "root's checkout chmodded a root file through an attacker's symlink"
[ $refused -eq $runs ] || fail "a destination owned by another user was not refused ($refused of $runs runs)"
cat "$T/co.log"

# Group- or other-writable destinations are refused too, and so is a symlink.
rm -rf "$T/dest"; mkdir -m 777 "$T/dest"; chmod 777 "$T/dest"
$S checkout fifos "$T/dest" 2>"$T/co.log" && fail "a mode 0777 destination was accepted"
grep -q "writable by its group or others" "$T/co.log" || { cat "$T/co.log"; fail "message for a 0777 destination"; }
rm -rf "$T/dest"; mkdir "$T/real"; ln -s real "$T/dest"
$S checkout fifos "$T/dest" 2>/dev/null && fail "a symlink destination was accepted"
rm -f "$T/dest"

# A fresh destination works and its FIFOs get their modes (set-ID bits kept by a full checkout).
$S checkout --full fifos "$T/dest" || fail "checkout into a fresh destination"
[ "$(stat -c %a "$T/dest/p0")" = 6777 ] || fail "FIFO mode $(stat -c %a "$T/dest/p0")"
[ "$(stat -c %a "$T/rootfile")" = 600 ] || fail "root file mode changed"
ls -a "$T" | grep -q '^\.tmp-' && fail "a temporary directory stayed behind"
echo "PASS: $runs runs, the foreign destination was refused every time; the root file stayed 0600"
