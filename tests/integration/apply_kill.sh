#!/usr/bin/env bash
# zoneadm apply killed at any instant, then applied again, converges: a
# kill inside a create, kills at random moments of a whole apply, and a
# kill between the delete and the create of a --replace (the zone comes
# back with its uuid, MAC and IP). Two applies at once do not interleave.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/store_snapshot.sh"

snap() { store_snapshot "$ZONEKIT_ROOT"; (cd "$ZONEKIT_ROOT" && find . -printf '%T@ %p\n' | sort); }

SET=$ZK_TMP/sets/fleet
mkdir -p "$SET"
printf 'kind: nictag\nname: lan\nbridge: zkkill0\nsubnet: 10.76.0.0/24\ngateway: 10.76.0.1\n' >"$SET/lan.yaml"
for z in a1 a2 a3; do printf 'alias: %s\nstate: running\nnics: [{nic_tag: lan}]\n' $z >"$SET/$z.yaml"; done
printf 'alias: b1\nnics: [{nic_tag: lan}]\n' >"$SET/b1.yaml"

# converged: a second apply plans nothing and leaves the store as it is.
converged() {
  expect_rc 0 zoneadm apply "$SET"
  local before
  before=$(snap)
  expect_rc 0 zoneadm apply --detailed-exitcode "$SET"
  expect_contains "$ZK_TMP/out" "no changes (5 unchanged)"
  expect_eq "$(snap)" "$before" "$1: store after converging"
  expect_eq "$(zoneadm list -H -o alias,state -s alias | tr -s ' ' | tr '\n' ';')" \
    "a1 running;a2 running;a3 running;b1 stopped;" "$1: zones"
  expect_eq "$(zoneadm list -H -o ip -s ip | sort -u | wc -l)" 4 "$1: distinct IPs"
  [ -z "$(ls -A "$ZONEKIT_ROOT/zones" | grep '^\.')" ] || zk_fail "$1: leftovers in zones/"
}
delete_all() {
  local z
  for z in $(zoneadm list -H -o uuid); do zoneadm delete "$z" >/dev/null || zk_fail "delete $z"; done
}

# --- killed inside the second create (after its staging dir is written) ------
expect_rc 137 env ZONEKIT_FAULT=create.after_staging zoneadm apply "$SET"
expect_contains "$ZK_TMP/out" "+ zone a1: create, boot"
converged "create.after_staging"

# --- killed at random moments of a whole apply ---------------------------------
# The moments are fractions of how long a whole apply takes on this machine
# now, so that they land inside one, fast host or slow.
delete_all
start=$(date +%s%N)
zoneadm apply "$SET" >/dev/null 2>&1
whole_ms=$(( ($(date +%s%N) - start) / 1000000 ))
# Under a loaded machine an apply's length varies from run to run, so a
# kill may come after the end: up to 12 moments, until 3 landed inside.
interrupted=0 tries=0
for pct in 5 20 35 50 65 80 10 30 45 60 15 25; do
  [ $interrupted -ge 3 ] && [ $tries -ge 6 ] && break
  tries=$((tries + 1))
  delay=$(printf '%d.%03d' $((whole_ms * pct / 100 / 1000)) $((whole_ms * pct / 100 % 1000)))
  delete_all
  zoneadm apply "$SET" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # Was the apply cut short? Then a dry run still has work to show.
  rc=0
  zoneadm apply -n --detailed-exitcode "$SET" >/dev/null 2>&1 || rc=$?
  [ $rc -eq 4 ] && interrupted=$((interrupted + 1))
  converged "kill after ${delay}s"
done
echo "random kills: $interrupted of $tries interrupted an apply (a whole one takes ${whole_ms} ms)"
[ $interrupted -ge 3 ] || zk_fail "only $interrupted of $tries kills landed inside an apply"


# --- killed between the delete and the create of a replace -------------------
UUID=$(zoneadm list -H -o uuid alias=b1) IP=$(zoneadm list -H -o ip alias=b1) MAC=$(zoneadm list -H -o mac alias=b1)
printf 'alias: b1\nnics: [{nic_tag: lan}]\nfilesystems: [{source: /usr/share/doc, target: /srv/doc}]\n' >"$SET/b1.yaml"
printf 'alias: b1\nuuid: %s\nnics: [{nic_tag: lan, mac: "02:08:20:00:00:01"}]\n' "$UUID" >"$ZK_TMP/b1-newmac.yaml"
# A changed MAC is a create-only change; the others are updates.
expect_rc 2 zoneadm apply -n --set fleet "$ZK_TMP/b1-newmac.yaml"
expect_contains "$ZK_TMP/err" "nics[net0].mac cannot change after create"
printf 'alias: b1\nbrand: sparse\nnics: [{nic_tag: lan}]\nfilesystems: [{source: /usr/share/doc, target: /srv/doc}]\ninit_name: /bin/sh\n' >"$SET/b1.yaml"
expect_rc 0 zoneadm apply "$SET"   # an update: no replace needed
cp "$ZK_TMP/b1-newmac.yaml" "$SET/b1.yaml"
expect_rc 137 env ZONEKIT_FAULT=apply.replace.after_delete zoneadm apply --replace "$SET"
zoneadm list -H -o alias | grep -qx b1 && zk_fail "b1 still there after the kill"
[ -f "$ZONEKIT_ROOT/apply/replace-$UUID.json" ] || zk_fail "no replace intent left"
expect_rc 0 zoneadm apply "$SET"
expect_contains "$ZK_TMP/out" "+ zone b1: create (finishing an interrupted replace: keeps uuid, MACs and IPs)"
expect_eq "$(zoneadm list -H -o uuid,ip,mac alias=b1 | tr -s ' ')" "$UUID $IP 02:08:20:00:00:01" "b1 after the replace"
[ -f "$ZONEKIT_ROOT/apply/replace-$UUID.json" ] && zk_fail "replace intent left after finishing"
[ "$IP" != "" ] || zk_fail "b1 had no IP"
printf 'alias: b1\nnics: [{nic_tag: lan}]\nfilesystems: []\ninit_name: null\n' >"$SET/b1.yaml"
expect_rc 0 zoneadm apply "$SET"   # filesystems and init_name go away
expect_eq "$(zoneadm get b1 | jq -c '[.filesystems, .init_name]')" '[[],null]' "b1 emptied"
converged "replace"

# --- two applies at once --------------------------------------------------------
delete_all
zoneadm apply "$SET" >"$ZK_TMP/one" 2>&1 & p1=$!
zoneadm apply "$SET" >"$ZK_TMP/two" 2>&1 & p2=$!
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || { cat "$ZK_TMP/one" "$ZK_TMP/two" >&2; zk_fail "concurrent applies: $rc1 $rc2"; }
expect_eq "$(cat "$ZK_TMP/one" "$ZK_TMP/two" | grep -c '^Apply complete')" 1 "applies that changed something"
converged "concurrent"
