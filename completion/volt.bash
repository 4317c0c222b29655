# bash completion for volt, voltvm and stellarium.
#
# Commands and options are read from the tools' own --help output, so the
# completion always matches the installed version.
# SPDX-License-Identifier: LGPL-2.1-or-later

_volt_help_verbs()
{
	"$@" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'
}

_volt_help_options()
{
	"$@" --help 2>/dev/null | grep -oE -- '(^|[ ,[])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ ,[]//' | sort -u
}

_volt_complete()
{
	local cur prev cmd verb i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[0]}

	# Arguments after "--" are a command line of their own.
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			if ((i == COMP_CWORD - 1)); then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			else
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
			return
		fi
	done

	case $prev in
	--root|--policy|-o|--output|--kernel|--initrd|--image-file|--authfile)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--log-level)
		mapfile -t COMPREPLY < <(compgen -W "error warning notice info debug" -- "$cur")
		return ;;
	esac

	# The verb is the first word that is neither an option nor an option's value.
	verb=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--root|--log-level) ((i++)) ;;
		-*) ;;
		*) verb=${COMP_WORDS[i]}; break ;;
		esac
	done
	# Right after a verb that has commands of its own (volt container ...).
	if [[ -n $verb && $cur != -* ]] && ((i == COMP_CWORD - 1)); then
		local sub
		sub=$(_volt_help_verbs "$cmd" "$verb")
		if [[ -n $sub ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$sub" -- "$cur")
			return
		fi
	fi

	if [[ $cur == -* ]]; then
		if [[ -n $verb ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_volt_help_options "$cmd" "$verb")" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_volt_help_options "$cmd")" -- "$cur")
		fi
	elif [[ -z $verb ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_volt_help_verbs "$cmd")" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}

complete -F _volt_complete volt voltvm stellarium
