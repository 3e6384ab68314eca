#!/usr/bin/env bash
# Shell completion: the bash adaptor, driven through COMP_WORDS/COMP_CWORD
# the way bash calls it, offers exactly the expected candidates, with zone
# names live from a store (filtered by what the verb accepts). The zsh and
# fish adaptors load when those shells are installed.
. "$(dirname "$0")/../lib/harness.sh"
[ -f /usr/share/bash-completion/bash_completion ] || { echo "SKIP: bash-completion is not installed" >&2; exit 77; }

printf 'alias: web01\n' | zoneadm create >/dev/null
printf 'alias: db01\n' | zoneadm create >/dev/null
cat >"$ZONEKIT_CONFIG" <<'TOML'
[nic_tags.internal]
bridge = "zk0"
subnet = "10.88.0.0/24"
TOML

# complete_line LINE: what the bash adaptor offers for LINE, one per line.
# The words are split as bash splits them: at blanks and at COMP_WORDBREAKS
# characters ('=' and ':'), each of which is a word of its own.
complete_line() {
  bash -c '
    . /usr/share/bash-completion/bash_completion
    . "$ZK_SOURCE/completions/zonekit.bash"
    COMP_LINE=$1 COMP_POINT=${#1}
    COMP_WORDS=()
    for w in $(printf "%s" "$1" | sed "s/[=:]/ & /g"); do COMP_WORDS+=("$w"); done
    case $1 in *" ") COMP_WORDS+=("") ;; esac
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _zonekit_complete
    printf "%s\n" "${COMPREPLY[@]}"
  ' _ "$1"
}

# expect_completion LINE CANDIDATE...
expect_completion() {
  local line=$1 got want
  shift
  got=$(complete_line "$line")
  want=$(printf '%s\n' "$@")
  [ $# -gt 0 ] || want=""
  expect_eq "$got" "$want" "completion of '$line'"
}

expect_completion "zoneadm " create validate list get info update delete boot halt shutdown reboot wait recover log explain apply
expect_completion "zoneadm re" reboot recover
expect_completion "zoneadm boot " db01 web01
expect_completion "zoneadm boot w" web01
expect_completion "zoneadm halt "
expect_completion "zoneadm -z " db01 web01
expect_completion "zoneadm -z db01 sh" shutdown
expect_completion "zoneadm delete d" db01
expect_completion "zoneadm list --" --help --output --sort --no-header --parseable --json
expect_completion "zoneadm list -o al" alias
expect_completion "zoneadm list st" state=
expect_completion "zoneadm update web01 max_p" max_physical_memory=
expect_completion "zoneadm update web01 alias=web02 autob" autoboot=
expect_completion "zoneadm wait web01 --state " stopped ready running shutting_down down incomplete failed corrupt unknown
expect_completion "zoneadm wait web01 --state=ru" running
# Issue 13: comma lists, values after NAME=, explain, verbs after -z NAME.
expect_completion "zoneadm list -o alias,st" alias,state
expect_completion "zoneadm list state=r" ready running
expect_completion "zoneadm list brand=" =sparse =image
expect_completion "zoneadm update web01 autoboot=t" true
expect_completion "zoneadm explain max_p" max_physical_memory
expect_completion "zoneadm explain nics.ip" nics.ips nics.ip
expect_completion "zoneadm -z db01 " get info update delete boot halt shutdown reboot wait log
expect_completion "zoneadm create -f "
expect_completion "zonecfg " template validate convert export
expect_completion "zonecfg export --to " json yaml
expect_completion "zonecfg export " db01 web01
expect_completion "nicadm " add list show update delete
expect_completion "zonestat -o cpu,me" cpu,mem cpu,mem_pct
expect_completion "zonestat -z " db01 web01
expect_completion "nicadm show " internal
expect_completion "nicadm list -o br" bridge

# The adaptor is registered for every tool, falling back to file names.
out=$(bash -c '
  . /usr/share/bash-completion/bash_completion
  . "$ZK_SOURCE/completions/zonekit.bash"
  complete -p zoneadm zonecfg nicadm zlogin imgadm')
expect_contains <(echo "$out") "complete -o default -F _zonekit_complete zoneadm"

if command -v zsh >/dev/null; then
  d="$ZK_TMP/zsh"
  mkdir -p "$d"
  cp "$ZK_SOURCE/completions/zonekit.zsh" "$d/_zoneadm"
  zsh -n "$d/_zoneadm" || zk_fail "zsh: syntax error in completions/zonekit.zsh"
  got=$(zsh -fc "fpath=($d \$fpath); autoload -U compinit; compinit -u -d $d/.zcompdump; print -r -- \${_comps[zoneadm]} \${_comps[nicadm]}" 2>&1)
  expect_eq "$got" "_zoneadm _zoneadm" "zsh compdef"
else
  echo "note: zsh is not installed; zsh adaptor not checked" >&2
fi

if command -v fish >/dev/null; then
  got=$(HOME="$ZK_TMP" fish --no-config -c "source $ZK_SOURCE/completions/zonekit.fish; complete -C 'zoneadm boot w'; complete -C 'zoneadm update web01 max_p'" 2>&1)
  expect_eq "$got" "web01"$'\n'"max_physical_memory=" "fish completion"
else
  echo "note: fish is not installed; fish adaptor not checked" >&2
fi
