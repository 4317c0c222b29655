# Drives bash completion (the _volt_complete of the sourced completion
# script) as readline would, for completion tests; bash only.
# complete_line WORD...: the words offered for the last WORD, space-framed.
# want "WORDS" LINE...: the completions include every word of WORDS.
# lacks "WORDS" LINE...: none of WORDS is offered.
# fail MESSAGE: count a failure; the test ends with "exit $failures".
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_volt_complete
	echo " ${COMPREPLY[*]} "
}

want() {
	local expected=$1 got w
	shift
	got=$(complete_line "$@")
	for w in $expected; do
		[[ $got == *" $w "* ]] || fail "completing '$*' gave '${got:0:300}', lacking '$w'"
	done
}

lacks() {
	local unwanted=$1 got w
	shift
	got=$(complete_line "$@")
	for w in $unwanted; do
		[[ $got == *" $w "* ]] && fail "completing '$*' offered '$w': '${got:0:300}'"
	done
}
