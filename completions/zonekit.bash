# bash completion for the zonekit tools. The candidates come from the tool
# itself (`TOOL __complete CWORD WORDS...`), so they follow its CLI exactly
# and name live zones, images and nic tags. Installed once per tool name.

_zonekit_complete() {
    local cur words cword
    # Rejoin "key=value" and "a:b", which bash splits into several words.
    if declare -F _get_comp_words_by_ref >/dev/null; then
        _get_comp_words_by_ref -n =: cur words cword
    else
        cur=${COMP_WORDS[COMP_CWORD]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi
    local IFS=$'\n'
    COMPREPLY=($("${words[0]}" __complete "$cword" "${words[@]}" 2>/dev/null))
    # Bash replaces only its own current word: drop what it split off before.
    local head=${cur%"${COMP_WORDS[COMP_CWORD]}"}
    if [[ -n $head && $head != "$cur" ]]; then
        COMPREPLY=("${COMPREPLY[@]#"$head"}")
    fi
    # "property=": the value is typed right after the '='.
    if [[ ${#COMPREPLY[@]} -gt 0 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}
complete -o default -F _zonekit_complete zoneadm zonecfg nicadm zlogin imgadm zonestat
