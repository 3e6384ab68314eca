#!/usr/bin/env bash
# Concurrency storms, each bounded by `timeout`:
#   - 50 parallel creates with distinct names: IPs, MACs and uid ranges unique;
#   - 10 parallel creates of one name: exactly one wins;
#   - boot/halt/zlogin/update/delete from several processes on one zone:
#     no deadlock, a valid final state, list works, and recover finds
#     nothing to clean once the zone is stopped or gone.
. "$(dirname "$0")/../lib/harness.sh"
# Per-command bound: generous under software emulation (scripts/vm-test.sh).
STORM_TIMEOUT=${ZK_SLOW:+600}
STORM_TIMEOUT=${STORM_TIMEOUT:-120}

cat > "$ZONEKIT_CONFIG" <<'TOML'
[nic_tags.lan]
bridge = "zkbr0"
subnet = "10.83.0.0/16"
gateway = "10.83.0.1"
TOML

# --- 50 distinct creates ----------------------------------------------------
start=$(date +%s.%N)
pids=()
for i in $(seq 1 50); do
  echo "{\"alias\": \"p$i\", \"brand\": \"sparse\", \"nics\": [{\"nic_tag\": \"lan\"}]}" > "$ZK_TMP/p$i.json"
  timeout "$STORM_TIMEOUT" zoneadm create -f "$ZK_TMP/p$i.json" > "$ZK_TMP/p$i.out" 2>&1 &
  pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
secs=$(echo "$(date +%s.%N) - $start" | bc)
expect_eq "$fails" 0 "failed creates of 50"
expect_eq "$(zoneadm list -H -o alias | wc -l)" 50 "zones after 50 creates"
dups() { sort | uniq -d | wc -l; }
expect_eq "$(cat "$ZONEKIT_ROOT"/zones/*/zone.json | grep -o '"10\.83\.[0-9.]*/16"' | wc -l)" 50 "IPs"
expect_eq "$(cat "$ZONEKIT_ROOT"/zones/*/zone.json | grep -o '"10\.83\.[0-9.]*/16"' | dups)" 0 "duplicate IPs"
expect_eq "$(cat "$ZONEKIT_ROOT"/zones/*/zone.json | grep -oi '"mac": *"[0-9a-f:]*"' | dups)" 0 "duplicate MACs"
expect_eq "$(zoneadm list -H -p -o uid_base | wc -l)" 50 "uid_base values"
expect_eq "$(zoneadm list -H -p -o uid_base | dups)" 0 "duplicate uid_base"
echo "ok 50 parallel creates in ${secs}s"

# --- 10 creates of one name --------------------------------------------------
echo '{"alias": "same", "brand": "sparse"}' > "$ZK_TMP/same.json"
pids=()
for i in $(seq 1 10); do
  timeout "$STORM_TIMEOUT" zoneadm create -f "$ZK_TMP/same.json" > "$ZK_TMP/same$i.out" 2>&1 &
  pids+=($!)
done
won=0
for p in "${pids[@]}"; do wait "$p" && won=$((won + 1)); done
expect_eq "$won" 1 "creates of one alias that succeeded"
expect_eq "$(zoneadm list -H -o alias alias=same | wc -l)" 1 "zones named same"
grep -l "already" "$ZK_TMP"/same*.out | wc -l > "$ZK_TMP/losers"
expect_eq "$(cat "$ZK_TMP/losers")" 9 "losers told the alias is taken"
echo "ok 10 creates of one name: one won"

# Clear the 50 (also in parallel) so the lifecycle storm runs alone.
pids=()
for i in $(seq 1 50); do timeout "$STORM_TIMEOUT" zoneadm delete "p$i" >/dev/null 2>&1 & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || zk_fail "parallel delete failed"; done
expect_eq "$(zoneadm list -H -o alias)" same "zones after parallel deletes"

# --- lifecycle storm on one zone ---------------------------------------------
echo '{"alias": "s", "brand": "sparse", "max_physical_memory": 128, "nics": [{"nic_tag": "lan"}]}' > "$ZK_TMP/s.json"
expect_rc 0 zoneadm create -f "$ZK_TMP/s.json"
storm_worker() {  # storm_worker ID ROUNDS
  local id=$1 r
  for r in $(seq 1 "$2"); do
    case $(( (RANDOM + id) % 6 )) in
      0|1) zoneadm boot s ;;
      2) zoneadm halt s ;;
      3) zlogin s true ;;
      4) zoneadm update s max_physical_memory=$((128 + RANDOM % 64)) ;;
      5) zoneadm reboot s ;;
    esac
  done >/dev/null 2>&1
  return 0
}
# storm ROUNDS DELETE_AFTER: six workers, and optionally a deleter that
# joins after DELETE_AFTER seconds; then the zone must be consistent.
storm() {
  local rounds=$1 del=$2 start p rc st
  start=$(date +%s)
  pids=()
  for w in 1 2 3 4 5 6; do timeout "$STORM_TIMEOUT" bash -c "$(declare -f storm_worker); storm_worker $w $rounds" & pids+=($!); done
  echo none > "$ZK_TMP/delrc"
  if [ -n "$del" ]; then
    (sleep "$del"; timeout "$STORM_TIMEOUT" zoneadm delete s >/dev/null 2>&1; echo $? > "$ZK_TMP/delrc") &
    pids+=($!)
  fi
  for p in "${pids[@]}"; do
    rc=0; wait "$p" || rc=$?
    [ "$rc" -ne 124 ] || zk_fail "a storm worker hit the $STORM_TIMEOUT s timeout (deadlock?)"
  done
  timeout 30 zoneadm list -H -p -o alias,state > "$ZK_TMP/final" || zk_fail "list after the storm"
  st=$(awk -F: '$1 == "s" {print $2}' "$ZK_TMP/final")
  echo "storm of $rounds rounds took $(( $(date +%s) - start ))s; delete: $(cat "$ZK_TMP/delrc"); final state: ${st:-deleted}"
  case $st in
    ""|stopped|running|failed) ;;
    *) zk_fail "zone s in state '$st' after the storm" ;;
  esac
  if [ "$(cat "$ZK_TMP/delrc")" == 0 ]; then expect_eq "$st" "" "zone s after a successful delete"; fi
  if [ -n "$st" ]; then
    [ "$st" != running ] || expect_eq "$(zlogin s echo up)" up "zlogin after the storm"
    expect_rc 0 timeout 60 zoneadm halt s
    expect_eq "$(zoneadm list -H -p -o state alias=s)" stopped "state after final halt"
  fi
  expect_rc 0 zoneadm recover -n
  expect_eq "$(cat "$ZK_TMP/out")" "nothing to recover" "recover after the storm"
  [ -z "$(ip -o link show type veth | grep ' zk')" ] || zk_fail "veth left after the storm"
  [ -z "$(nft list tables | grep zk_)" ] || zk_fail "nft table left after the storm"
}
storm 40 ""
storm 40 3
if [ -n "$(zoneadm list -H -o alias alias=s)" ]; then expect_rc 0 timeout 60 zoneadm delete s; fi
expect_rc 0 zoneadm delete same
echo "ok lifecycle storms"

# --- kill -9 of zoneadm boot (and of its zoneadmd) at random moments ---------
# The next boot must succeed, waiting for a zoneadmd still coming up or
# still exiting, and a halt must leave nothing behind.
echo '{"alias": "k", "brand": "sparse", "nics": [{"nic_tag": "lan"}]}' | zoneadm create -f - >/dev/null
u=$(zoneadm list -H -o uuid alias=k)
for i in $(seq 1 20); do
  zoneadm boot k >/dev/null 2>&1 & p=$!
  sleep "0.0$((RANDOM % 30))"
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  if [ $((i % 3)) == 0 ]; then
    zp=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$u/state.json" 2>/dev/null || true)
    [ -n "$zp" ] && kill -KILL "$zp" 2>/dev/null || true
  fi
  timeout 60 zoneadm boot k > "$ZK_TMP/out" 2>&1 || { cat "$ZK_TMP/out" >&2; zk_fail "boot after kill -9 ($i)"; }
  expect_rc 0 timeout 60 zoneadm halt k
done
expect_eq "$(zoneadm list -H -o state alias=k)" stopped "state after the kills"
[ -z "$(ip -o link show type veth | grep ' zk')" ] || zk_fail "veth left after the kills"
[ -z "$(nft list tables | grep zk_)" ] || zk_fail "nft table left after the kills"
[ -z "$(zk_cgroups_left)" ] ||
  zk_fail "cgroup left after the kills"
expect_rc 0 zoneadm delete k
echo "ok kill -9 during boot"
