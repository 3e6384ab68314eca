#!/usr/bin/env bash
# Man pages: mandoc -Tlint finds nothing, each command page has the sections
# admins look for, and every subcommand and flag the CLI11 parser knows
# (read from the binaries through `TOOL __complete`) is documented, so the
# pages cannot drift from the tools.
. "$(dirname "$0")/../lib/harness.sh"
command -v mandoc >/dev/null || { echo "SKIP: mandoc is not installed" >&2; exit 77; }

pages=("$ZK_SOURCE"/man/*.[0-9])
if [ -f "$ZK_SOURCE/core/manifest/docs.hpp" ]; then
  [ -f "$ZK_BUILD/man/zone-manifest.5" ] || zk_fail "zone-manifest.5 was not generated in the build"
  pages+=("$ZK_BUILD/man/zone-manifest.5")
fi
for p in "${pages[@]}"; do
  out=$(mandoc -Tlint -W warning "$p" 2>&1) || true
  [ -z "$out" ] || zk_fail "mandoc -Tlint $(basename "$p"):"$'\n'"$out"
done

for page in zoneadm.8 zonecfg.8 nicadm.8 imgadm.8 zlogin.1 zoneadmd.8 zonestat.1; do
  for sec in NAME SYNOPSIS DESCRIPTION ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
    grep -qx "\.Sh $sec" "$ZK_SOURCE/man/$page" || zk_fail "$page has no $sec section"
  done
done

# documented PAGE MACRO NAME: a line of PAGE has "MACRO NAME" as whole words.
documented() {
  local re
  re=$(printf '%s' "$3" | sed 's/[][\.*^$/]/\\&/g')
  grep -Eq "(^|[ .])$2 $re([ ,]|\$)" "$1"
}

checked=0
for tool in zoneadm zonecfg nicadm imgadm zlogin zonestat; do
  page=$(ls "$ZK_SOURCE"/man/"$tool".[18])
  [ -x "$ZK_BUILD/bin/$tool" ] || zk_fail "$tool was not built"
  if ! subs=$("$tool" __complete 1 "$tool" 2>/dev/null); then
    echo "note: $tool has no __complete yet; its page is not checked against the parser" >&2
    continue
  fi
  checked=$((checked + 1))
  for flag in $("$tool" __complete 1 "$tool" -); do
    documented "$page" Fl "${flag#-}" || zk_fail "$(basename "$page"): flag $flag of $tool is not documented"
  done
  for sub in $subs; do
    documented "$page" Cm "$sub" || zk_fail "$(basename "$page"): subcommand $sub is not documented"
    for flag in $("$tool" __complete 2 "$tool" "$sub" -); do
      documented "$page" Fl "${flag#-}" || zk_fail "$(basename "$page"): flag $flag of '$tool $sub' is not documented"
    done
  done
done
[ "$checked" -ge 3 ] || zk_fail "only $checked tools answer __complete"
