#!/usr/bin/env bash
# zoneadm apply validates every manifest of a set before anything changes:
# a set with three bad files (and good ones) reports every problem of every
# file at once, exits 2, and leaves the store and the host as they were.
# Unreadable paths exit 1; a set name is needed for stdin.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/store_snapshot.sh"

snap() { store_snapshot "$ZONEKIT_ROOT"; (cd "$ZONEKIT_ROOT" && find . -printf '%T@ %p\n' | sort); }

SET=$ZK_TMP/bad
mkdir -p "$SET"
printf 'kind: nictag\nname: lan\nbridge: zkbad0\nsubnet: 10.78.0.0/24\n' >"$SET/a-lan.yaml"
printf 'alias: good01\nnics: [{nic_tag: lan}]\nstate: running\n' >"$SET/b-good.yaml"
# three bad files: two problems in one, a syntax error, a bad nic tag document
cat >"$SET/c-typo.yaml" <<'EOF'
alias: typo01
max_phisical_memory: 512
nics:
  - nic_tag: lan
    ips: [10.78.0.300/24]
EOF
printf '{"alias": "broken01", "nics": [\n' >"$SET/d-syntax.json"
printf 'kind: nictag\nname: wan\nbridge: zkbad1\nsubnte: 10.79.0.0/24\n' >"$SET/e-tag.yaml"
printf 'not a manifest\n' >"$SET/notes.txt"   # not *.json/*.yaml/*.yml: not read

zoneadm list >/dev/null
BEFORE=$(snap)
expect_rc 2 zoneadm apply "$SET"
sed 's/^/  stderr: /' "$ZK_TMP/err"
[ -s "$ZK_TMP/out" ] && zk_fail "an invalid set printed a plan"
expect_contains "$ZK_TMP/err" "zoneadm: $SET/c-typo.yaml:5:11: nics[0].ips[0]: \"10.78.0.300/24\" is not an IPv4 or IPv6 CIDR"
expect_contains "$ZK_TMP/err" "zoneadm: $SET/c-typo.yaml:2:1: max_phisical_memory: unknown property (did you mean \"max_physical_memory\"?)"
expect_contains "$ZK_TMP/err" "zoneadm: $SET/d-syntax.json:"
expect_contains "$ZK_TMP/err" "zoneadm: $SET/e-tag.yaml:4:1: subnte: unknown property (did you mean \"subnet\"?)"
expect_contains "$ZK_TMP/err" "zoneadm: $SET/e-tag.yaml: subnet: is required"
expect_contains "$ZK_TMP/err" "zoneadm: apply: 5 problems; nothing was changed"
grep -q "b-good\|a-lan\|notes.txt" "$ZK_TMP/err" && zk_fail "a good file reported"
expect_eq "$(snap)" "$BEFORE" "store after an invalid set"
ip link show zkbad0 >/dev/null 2>&1 && zk_fail "an invalid set created a bridge"
expect_eq "$(zoneadm list -H | wc -l)" 0 "zones after an invalid set"

# The same as JSON, for tools: every problem with its file.
expect_rc 2 zoneadm apply -n -j "$SET"
expect_eq "$(jq -r '[.problems[].file | split("/") | last] | unique | join(" ")' "$ZK_TMP/out")" \
  "c-typo.yaml d-syntax.json e-tag.yaml" "files with problems"
expect_eq "$(jq '.problems | length' "$ZK_TMP/out")" 5 "problems in the JSON"

# Problems only the whole set shows: a duplicate alias, an unknown tag.
mkdir -p "$ZK_TMP/dup"
printf 'alias: same\n' >"$ZK_TMP/dup/one.yaml"
printf 'alias: same\nnics: [{nic_tag: nosuch}]\n' >"$ZK_TMP/dup/two.yaml"
expect_rc 2 zoneadm apply "$ZK_TMP/dup"
expect_contains "$ZK_TMP/err" "zoneadm: $ZK_TMP/dup/two.yaml:1:1: alias: zone alias \"same\" is also declared in $ZK_TMP/dup/one.yaml"
expect_eq "$(snap)" "$BEFORE" "store after a set with a duplicate"

# Paths and names.
expect_rc 1 zoneadm apply "$ZK_TMP/no-such-dir"
expect_contains "$ZK_TMP/err" "no-such-dir"
expect_rc 2 sh -c 'echo "alias: x1" | zoneadm apply -n -'
expect_contains "$ZK_TMP/err" "zoneadm: apply: name the set with --set NAME"
expect_rc 0 sh -c 'echo "alias: x1" | zoneadm apply -n --set piped -'
expect_contains "$ZK_TMP/out" "+ zone x1: create"
expect_rc 2 zoneadm apply -n --set 'bad name' "$SET/b-good.yaml"
expect_rc 2 zoneadm apply
expect_eq "$(snap)" "$BEFORE" "store at the end"
