# bash completion for iotlbench: commands, each command's options (read from
# its --help, so they cannot drift from the program), shipped suite names for
# `run`, preset names for --preset and backends for --backend.
_iotlbench() {
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	local prog=${COMP_WORDS[0]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run model devices info trace report compare suites presets version help" -- "$cur"))
		return
	fi
	case "$prev" in
	--preset | -p)
		COMPREPLY=($(compgen -W "$("$prog" presets 2>/dev/null | awk '!/^\(/ {print $1}')" -- "$cur"))
		return ;;
	--backend | -b)
		COMPREPLY=($(compgen -W "emu pagemap vfio iommufd" -- "$cur"))
		return ;;
	--out | -o | --root | --preset-file | -P | --trace | -t)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$("$prog" "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z-]+' | sort -u)" -- "$cur"))
		return
	fi
	if [ "$cmd" = run ]; then
		COMPREPLY=($(compgen -W "$("$prog" suites 2>/dev/null | awk '{print $1}')" -- "$cur") $(compgen -f -X '!*.suite' -- "$cur"))
	fi
}
complete -F _iotlbench iotlbench
