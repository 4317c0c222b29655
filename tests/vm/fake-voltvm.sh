#!/bin/sh
# A stand-in for voltvm in the unit tests of the VM manager: checks the
# arguments the manager passes, then plays a guest's console. A VM named
# "sleeper" runs until it is stopped; any other ends at once with the
# guest init's exit line, status 4.
set -u
seen_disk=0 seen_console=0 cmdline=
while [ $# -gt 0 ]; do
	case $1 in
	--disk) case $2 in image=*,store=*,overlay=*) seen_disk=1 ;; esac; shift ;;
	--console) [ "$2" = stdio ] && seen_console=1; shift ;;
	--cmdline) cmdline=$2; shift ;;
	--kernel|--initrd|--memory|--cpus|--net) shift ;;
	*) echo "fake-voltvm: unexpected argument '$1'"; exit 2 ;;
	esac
	shift
done
[ $seen_disk = 1 ] && [ $seen_console = 1 ] || { echo "fake-voltvm: no --disk image= or --console stdio"; exit 2; }
case $cmdline in *volt.root=/dev/vda*) ;; *) echo "fake-voltvm: no volt.root in '$cmdline'"; exit 2 ;; esac
echo "fake guest console: booting"
case $cmdline in
*volt.hostname=echoer*)
	# A guest that answers each line typed on its console.
	while read -r line; do echo "fake guest console: got $line"; done
	echo "VOLT-GUEST-EXIT 0"
	exit 0 ;;
*volt.hostname=sleeper*)
	trap 'echo "fake guest console: terminated"; exit 0' TERM
	while :; do echo "fake guest console: tick"; sleep 0.3; done ;;
*)
	echo "VOLT-GUEST-EXIT 4"
	exit 0 ;;
esac
