# hvsim-completion.bash - bash completion for hvsim(1).
#
#   source scripts/hvsim-completion.bash     (installed as
#   PREFIX/share/bash-completion/completions/hvsim, loaded on demand)
#
# Everything is read from hvsim itself, so it never drifts from the help
# text: the commands from 'hvsim help', each command's options from
# 'hvsim help COMMAND', policies from 'hvsim list policies', and the values
# of --vendor, --format, --event from the usage line.

_hvsim_words()
{
	# the words between | in the usage text of an option: "--format text|json" -> text json
	local verb=$1 opt=$2
	"${_hvsim_bin}" help "$verb" 2>/dev/null |
		grep -o -- "$opt [a-z,]*\(|[a-z,]*\)\+" | head -n1 | cut -d' ' -f2 | tr '|' ' '
}

_hvsim()
{
	local cur prev verb
	_hvsim_bin=${COMP_WORDS[0]}
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		local verbs
		verbs=$("${_hvsim_bin}" help 2>/dev/null | sed -n 's/^  \([a-z]\+\) .*/\1/p')
		mapfile -t COMPREPLY < <(compgen -W "$verbs --help --version" -- "$cur")
		return
	fi
	verb=${COMP_WORDS[1]}
	case "$verb" in
	help)
		mapfile -t COMPREPLY < <(compgen -W "$("${_hvsim_bin}" help 2>/dev/null | sed -n 's/^  \([a-z]\+\) .*/\1/p') --man" -- "$cur")
		return ;;
	list)
		[ "$COMP_CWORD" -eq 2 ] &&
			mapfile -t COMPREPLY < <(compgen -W "policies knobs scenarios fields costs events" -- "$cur")
		return ;;
	esac
	case "$prev" in
	-p|--policy|--baseline)
		mapfile -t COMPREPLY < <(compgen -W "all $("${_hvsim_bin}" list policies 2>/dev/null | awk '{print $1}')" -- "$cur")
		return ;;
	--vendor|--format|--event)
		mapfile -t COMPREPLY < <(compgen -W "$(_hvsim_words "$verb" "$prev")" -- "$cur")
		return ;;
	-o|--output|--trace|--cost|--export|--summary)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	esac
	if [[ "$cur" == -* ]]; then
		local opts
		opts=$("${_hvsim_bin}" help "$verb" 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
		mapfile -t COMPREPLY < <(compgen -W "$opts --help" -- "$cur")
		return
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -o filenames -F _hvsim hvsim
