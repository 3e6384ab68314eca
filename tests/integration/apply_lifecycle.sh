#!/usr/bin/env bash
# zoneadm apply on a directory of manifests: a dry run on an empty store
# lists every create and changes nothing; apply creates; a second apply is
# "no changes" and leaves the store byte-identical (timestamps included);
# one edited file is one update split into live and next-boot keys; a
# create-only change is refused without --replace and with it keeps uuid,
# MAC and IP; --prune deletes only the set's own zones.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/store_snapshot.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"

snap() { store_snapshot "$ZONEKIT_ROOT"; (cd "$ZONEKIT_ROOT" && find . -printf '%T@ %p\n' | sort); }
count() { grep -c -- "$2" "$1" || true; }

SET=$ZK_TMP/sets/web
mkdir -p "$SET" "$ZK_TMP/img"
cat >"$SET/lan.yaml" <<'EOF'
kind: nictag
name: lan
bridge: zkap0
subnet: 10.77.0.0/24
gateway: 10.77.0.1
EOF
cat >"$SET/web01.yaml" <<'EOF'
alias: web01
state: running
nics:
  - nic_tag: lan
customer_metadata:
  role: web
  root_pw: hunter2
EOF
cat >"$SET/web02.yaml" <<'EOF'
alias: web02
state: running
nics: [{nic_tag: lan}]
EOF
echo '{"alias": "db01", "max_lwps": 500, "nics": [{"nic_tag": "lan"}]}' >"$SET/db01.json"

zoneadm list >/dev/null   # the store's directories exist from here on
EMPTY=$(snap)

# --- dry run on an empty store ------------------------------------------------
expect_rc 0 zoneadm apply -n "$SET"
cp "$ZK_TMP/out" "$ZK_TMP/plan"
expect_contains "$ZK_TMP/plan" "+ nictag lan: create"
expect_contains "$ZK_TMP/plan" "+ zone db01: create"
expect_contains "$ZK_TMP/plan" "+ zone web01: create, boot"
expect_contains "$ZK_TMP/plan" "+ zone web02: create, boot"
expect_eq "$(count "$ZK_TMP/plan" '^+ zone')" 3 "creates in the dry run"
expect_eq "$(tail -1 "$ZK_TMP/plan")" "Plan: set web: 4 to create, 2 to boot." "dry-run summary"
grep -q hunter2 "$ZK_TMP/plan" && zk_fail "the plan shows a secret"
[ -s "$ZK_TMP/err" ] && { cat "$ZK_TMP/err" >&2; zk_fail "dry run wrote to stderr"; }
expect_rc 4 zoneadm apply -n --detailed-exitcode "$SET"
expect_rc 0 zoneadm apply -n -j "$SET"
expect_eq "$(jq -c '[.dry_run, .changed, .summary.create, .summary.boot, (.items | length)]' "$ZK_TMP/out")" \
  "[true,true,4,2,4]" "JSON dry run"
expect_eq "$(snap)" "$EMPTY" "store after dry runs"
ip link show zkap0 >/dev/null 2>&1 && zk_fail "a dry run created the bridge"

# --- apply ---------------------------------------------------------------------
expect_rc 0 zoneadm apply "$SET"
expect_eq "$(tail -1 "$ZK_TMP/out")" "Apply complete: 4 created, 2 booted." "apply summary"
expect_eq "$(zoneadm list -H -o alias,state -s alias | tr -s ' ')" $'db01 stopped\nweb01 running\nweb02 running' "zones"
expect_eq "$(zoneadm list -H -o alias tags.apply_set=web -s alias | tr '\n' ' ')" "db01 web01 web02 " "set tag"
ip link show zkap0 >/dev/null || zk_fail "nic tag bridge missing"
UUID_DB=$(zoneadm list -H -o uuid alias=db01)
IP_DB=$(zoneadm list -H -o ip alias=db01)
MAC_DB=$(zoneadm list -H -o mac alias=db01)

# --- a second apply changes nothing ----------------------------------------------
BEFORE=$(snap)
expect_rc 0 zoneadm apply "$SET"
expect_eq "$(tail -1 "$ZK_TMP/out")" "Plan: set web: no changes (4 unchanged)." "second apply"
expect_eq "$(snap)" "$BEFORE" "store after a second apply"
expect_rc 0 zoneadm apply --detailed-exitcode "$SET"
expect_rc 0 zoneadm apply -j "$SET"
expect_eq "$(jq -c '[.changed, .summary.unchanged]' "$ZK_TMP/out")" "[false,4]" "second apply, JSON"
expect_eq "$(jq -r '.items[] | select(.name == "db01") | .result.uuid' "$ZK_TMP/out")" "$UUID_DB" "result uuid"
expect_eq "$(snap)" "$BEFORE" "store after more applies"

# --- one edited file: one update, live and next-boot keys ---------------------
cat >>"$SET/web01.yaml" <<'EOF'
hostname: www
max_physical_memory: 512
EOF
expect_rc 0 zoneadm apply -n "$SET"
cp "$ZK_TMP/out" "$ZK_TMP/plan"
expect_eq "$(count "$ZK_TMP/plan" '^~ ')" 1 "updates planned"
expect_eq "$(grep -c '^[-+!>]' "$ZK_TMP/plan" || true)" 0 "other steps planned"
expect_contains "$ZK_TMP/plan" "~ zone web01: update"
expect_eq "$(sed -n '/^~ zone web01/,/^[^ ]/p' "$ZK_TMP/plan" | grep '^      ')" \
"      hostname: \"web01\" -> \"www\" (next boot)
      max_physical_memory: 256 -> 512 (live)
      max_locked_memory: 256 -> 512 (next boot)
      max_swap: 256 -> 512 (live)
      tmpfs: 256 -> 512 (next boot)" "update lines"
expect_rc 0 zoneadm apply "$SET"
expect_contains "$ZK_TMP/err" "zoneadm: zone web01: applied live: max_physical_memory, max_swap"
expect_contains "$ZK_TMP/err" "zoneadm: zone web01: at next boot: hostname, max_locked_memory, tmpfs"
expect_eq "$(zoneadm get web01 | jq -c '[.max_physical_memory, .hostname]')" '[512,"www"]' "stored"
expect_eq "$(zlogin web01 hostname)" "web01" "host name before the next boot"
expect_rc 0 zoneadm reboot web01
expect_eq "$(zlogin web01 hostname)" "www" "host name after the next boot"
BEFORE=$(snap)
expect_rc 0 zoneadm apply "$SET"
expect_contains "$ZK_TMP/out" "no changes"
expect_eq "$(snap)" "$BEFORE" "store after the update converged"

# --- a create-only change: refused, then --replace keeps the identity --------
mkimage_rootfs "$ZK_TMP/img/rootfs"
mkimage_targz "$ZK_TMP/img/rootfs" "$ZK_TMP/img/bb.tar.gz"
IMG=934cfbe5-60c6-4a40-a33e-a33e62d33681
printf 'kind: image\nuuid: %s\nsource: ../../img/bb.tar.gz\nname: busybox\n' "$IMG" >"$SET/busybox.yaml"
echo "{\"alias\": \"db01\", \"max_lwps\": 500, \"image_uuid\": \"$IMG\", \"nics\": [{\"nic_tag\": \"lan\"}]}" >"$SET/db01.json"
BEFORE=$(snap)
expect_rc 2 zoneadm apply "$SET"
expect_contains "$ZK_TMP/out" "! zone db01: replace refused"
expect_contains "$ZK_TMP/out" "      brand: \"sparse\" -> \"image\" (create only)"
expect_contains "$ZK_TMP/err" "zoneadm: zone db01: brand, image_uuid cannot change after create; --replace"
expect_contains "$ZK_TMP/err" "zoneadm: apply: nothing was changed"
expect_eq "$(snap)" "$BEFORE" "store after a refused replace"
expect_rc 0 zoneadm apply -n --replace "$SET"
expect_contains "$ZK_TMP/out" "+ image $IMG: import"
expect_contains "$ZK_TMP/out" "-/+ zone db01: replace (deletes and recreates the zone, keeping its uuid, MACs and IPs)"
expect_rc 0 zoneadm apply --replace "$SET"
expect_eq "$(zoneadm list -H -p -o uuid,brand,ip,mac alias=db01)" \
  "$UUID_DB:image:$IP_DB:$(printf '%s' "$MAC_DB" | sed 's/:/\\:/g')" "db01 after replace"
expect_eq "$(imgadm get $IMG | jq -r .name)" "busybox" "imported image"
[ -e "$ZONEKIT_ROOT/apply" ] && [ -n "$(ls -A "$ZONEKIT_ROOT/apply")" ] && zk_fail "a replace left its intent"
BEFORE=$(snap)
expect_rc 0 zoneadm apply "$SET"
expect_contains "$ZK_TMP/out" "no changes (5 unchanged)"
expect_eq "$(snap)" "$BEFORE" "store after the replace converged"

# --- --prune deletes only zones of this set --------------------------------------
mkdir -p "$ZK_TMP/sets/other"
echo 'alias: other01' >"$ZK_TMP/sets/other/other01.yaml"
expect_rc 0 zoneadm apply "$ZK_TMP/sets/other"
printf 'alias: manual01\n' | zoneadm create >/dev/null
rm "$SET/web02.yaml"
expect_rc 0 zoneadm apply "$SET"
expect_contains "$ZK_TMP/out" "no changes"
expect_rc 0 zoneadm apply -n --prune "$SET"
expect_eq "$(grep '^- ' "$ZK_TMP/out")" "- zone web02: delete (pruned: set web no longer has it)" "prune plan"
expect_rc 0 zoneadm apply --prune "$SET"
expect_eq "$(zoneadm list -H -o alias -s alias | tr '\n' ' ')" "db01 manual01 other01 web01 " "zones after prune"
expect_rc 0 zoneadm apply --prune --set web "$SET"
expect_contains "$ZK_TMP/out" "no changes"
