# fish completion for the zonekit tools: the tool itself lists the
# candidates (`TOOL __complete CWORD WORDS...`). Installed as <tool>.fish.

function __zonekit_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l out ($words[1] __complete (count $words) $words $cur 2>/dev/null)
    if test (count $out) -gt 0
        printf '%s\n' $out
    else
        __fish_complete_path $cur
    end
end

for tool in zoneadm zonecfg nicadm zlogin imgadm zonestat
    complete -c $tool -f -a '(__zonekit_complete)'
end
