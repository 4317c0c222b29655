# bash completion for volt, voltvm and stellarium.
#
# Commands and options are read from the tools' own --help output, so the
# completion always matches the installed version; container and image
# names from 'volt ps -q' and 'volt image ls' (with the --root given on
# the line being completed).
# SPDX-License-Identifier: LGPL-2.1-or-later

_volt_help_verbs()
{
	"$@" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'
}

_volt_help_options()
{
	"$@" --help 2>/dev/null | grep -oE -- '(^|[ ,[])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ ,[]//' | sort -u
}

# _volt_containers VOLT [--root DIR]: the names of the containers.
_volt_containers()
{
	"$@" ps -q 2>/dev/null
}

# _volt_vms VOLT [--root DIR]: VM names.
_volt_vms()
{
	"$@" vm list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

# _volt_images VOLT [--root DIR]: image names of the store, and the built-in one.
_volt_images()
{
	{
		echo busybox
		"$@" image ls 2>/dev/null | sed -n '2,$s/ .*//p'
	} | sort -u
}

# Fill COMPREPLY with the words of $1 that start with $cur, one per line
# (image names hold ':' and '/', which must not split them).
_volt_reply()
{
	local IFS=$'\n'
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
	# bash splits words at ':' (COMP_WORDBREAKS): offer only what follows the last one.
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local prefix=${cur%"${cur##*:}"} i
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
		done
	fi
}

_volt_complete()
{
	local cur prev cmd verb sub i j
	local -a tool
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[0]}
	tool=("$cmd")

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

	# The verb is the first word that is neither an option nor an option's
	# value; --root goes on to the commands that list names.
	verb=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--root) tool+=(--root "${COMP_WORDS[i+1]}"); ((i++)) ;;
		--log-level) ((i++)) ;;
		-*) ;;
		*) verb=${COMP_WORDS[i]}; break ;;
		esac
	done

	case $prev in
	--root|--policy|-o|--output|--kernel|--initrd|--image-file|--authfile|--rootfs)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--log-level)
		mapfile -t COMPREPLY < <(compgen -W "error warning notice info debug" -- "$cur")
		return ;;
	--network)
		[[ $cmd == volt ]] && { mapfile -t COMPREPLY < <(compgen -W "none private host" -- "$cur"); return; } ;;
	--image)
		[[ $cmd == volt ]] && { _volt_reply "$(_volt_images "${tool[@]}")"; return; } ;;
	esac

	# Right after a verb that has commands of its own (volt container ...).
	if [[ -n $verb && $cur != -* ]] && ((i == COMP_CWORD - 1)); then
		local subs
		subs=$(_volt_help_verbs "$cmd" "$verb")
		if [[ -n $subs ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
			return
		fi
	fi

	# The sub-command (volt container start ...), if the verb has them.
	sub=
	if [[ -n $verb ]] && ((i + 1 < COMP_CWORD)) && [[ ${COMP_WORDS[i+1]} != -* ]] &&
		_volt_help_verbs "$cmd" "$verb" | grep -qx -- "${COMP_WORDS[i+1]}"; then
		sub=${COMP_WORDS[i+1]}
		((i++))
	fi

	if [[ $cur == -* ]]; then
		if [[ -n $sub ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_volt_help_options "$cmd" "$verb" "$sub")" -- "$cur")
		elif [[ -n $verb ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_volt_help_options "$cmd" "$verb")" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_volt_help_options "$cmd")" -- "$cur")
		fi
		return
	elif [[ -z $verb ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_volt_help_verbs "$cmd")" -- "$cur")
		return
	fi

	if [[ $cmd == volt ]]; then
		# What the word names: a container, an image, or neither.
		local what=${sub:-$verb}
		[[ $verb == image ]] && what=image-$sub
		[[ $verb == vm ]] && what=vm-$sub
		case $what in
		start|stop|restart|rm|logs|exec|inspect|enable|disable)
			# The name is the first argument (exec: the command follows it).
			local args=0
			for ((j = i + 1; j < COMP_CWORD; j++)); do
				[[ ${COMP_WORDS[j]} == -* ]] || ((args++))
			done
			if [[ $what != exec ]] || ((args == 0)); then
				_volt_reply "$(_volt_containers "${tool[@]}")"
				return
			fi ;;
		run)
			# volt run [OPTIONS] IMAGE [CMD...]: the first argument is the image.
			local args=0 w
			for ((j = i + 1; j < COMP_CWORD; j++)); do
				w=${COMP_WORDS[j]}
				case $w in
				--image|--rootfs) args=1; ((j++)) ;;
				--name|-e|--env|-w|--workdir|--hostname|-u|--user|-v|--volume|-p|--publish|--network|--dns|-m|--memory|--cpus|--pids-limit|--io-weight|--policy|--restart|--kernel) ((j++)) ;;
				-*) ;;
				*) ((args++)) ;;
				esac
			done
			if ((args == 0)); then
				_volt_reply "$(_volt_images "${tool[@]}")"
				return
			elif ((args == 1)); then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur")
				return
			fi ;;
		vm-start|vm-stop|vm-rm|vm-run|vm-inspect|vm-logs|vm-console)
			_volt_reply "$(_volt_vms "${tool[@]}")"
			return ;;
		vm-create)
			[[ $prev == --image ]] && { _volt_reply "$(_volt_images "${tool[@]}")"; return; } ;;
		image-inspect|image-tag|image-rm)
			_volt_reply "$(_volt_images "${tool[@]}")"
			return ;;
		image-push|image-save)
			# The image is the first argument (push: a registry reference follows).
			local args=0
			for ((j = i + 1; j < COMP_CWORD; j++)); do
				case ${COMP_WORDS[j]} in
				-u|--username|--authfile|--timeout|-o|--output) ((j++)) ;;
				-*) ;;
				*) ((args++)) ;;
				esac
			done
			if ((args == 0)); then
				_volt_reply "$(_volt_images "${tool[@]}")"
				return
			fi
			[[ $what == image-push ]] && return ;;
		esac
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _volt_complete volt voltvm stellarium
