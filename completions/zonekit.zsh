#compdef zoneadm zonecfg nicadm zlogin imgadm zonestat
# zsh completion for the zonekit tools: the tool itself lists the
# candidates (`TOOL __complete CWORD WORDS...`). Installed as _<tool>.

local -a candidates
# zsh counts words from 1, the tools from 0.
candidates=("${(@f)$("${words[1]}" __complete $((CURRENT - 1)) "${words[@]}" 2>/dev/null)}")
candidates=(${candidates:#})
if (( ${#candidates} )); then
  local c
  local -a plain eq
  for c in $candidates; do
    if [[ $c == *= ]]; then eq+=($c); else plain+=($c); fi
  done
  (( ${#plain} )) && compadd -- $plain
  (( ${#eq} )) && compadd -S '' -- $eq
else
  _files
fi
