#!/usr/bin/env bash
# Fault-injection walk: for every named step of create, boot, halt, update
# and delete, kill the command (or its zoneadmd, or the zone's first child)
# with SIGKILL exactly there (ZONEKIT_FAULT=<step>), run `zoneadm recover`,
# and check the invariants:
#   - no veth, nft table, cgroup, run dir or staging dir without its zone,
#     and none of the first three without a running zone;
#   - the zone is absent, incomplete (then delete works) or consistent
#     (boot works); re-creating the same alias works;
#   - at boot.after_filter (process frozen there) the zone's anti-spoofing
#     chain is hooked at the new host port's ingress, and that port is
#     neither up nor bridged (it was made down, before the filter).
. "$(dirname "$0")/../lib/harness.sh"

cat > "$ZONEKIT_CONFIG" <<'TOML'
[nic_tags.lan]
bridge = "zkbr0"
subnet = "10.79.0.0/24"
gateway = "10.79.0.1"
TOML
echo '{"alias": "f1", "brand": "sparse", "max_physical_memory": 256, "nics": [{"nic_tag": "lan"}]}' > "$ZK_TMP/f1.json"

uuid_of() { zoneadm list -H -p -o uuid alias="$1"; }
state_of() { zoneadm list -H -p -o state alias="$1"; }
hex10() { echo "$1" | tr -d - | cut -c1-10; }
zone_veths() { ip -o link show type veth | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^zk' || true; }
zone_tables() { nft list tables | awk '{print $3}' | grep '^zk_' || true; }
cg_zone_dirs() {
  local h d
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    for d in "$h$ZONEKIT_CGROUP_PARENT"/*/; do [ -d "$d" ] && basename "$d"; done
  done
  return 0
}

# Every host object belongs to a running zone; every run dir to a zone.
check_invariants() {
  local what=$1 running all x u
  zoneadm list -H -p -o uuid,state > "$ZK_TMP/list" || zk_fail "$what: list failed"
  while IFS=: read -r u x; do
    case $x in stopped|running|incomplete|failed) ;; *) zk_fail "$what: zone $u in state '$x'" ;; esac
  done < "$ZK_TMP/list"
  running=$(awk -F: '$2 == "running" {print $1}' "$ZK_TMP/list")
  all=$(cut -d: -f1 "$ZK_TMP/list")
  for x in $(zone_veths); do
    u=$(for r in $running; do [ "zk$(hex10 "$r")" == "${x%n*}" ] && echo "$r"; done)
    [ -n "$u" ] || zk_fail "$what: veth $x without a running zone"
  done
  for x in $(zone_tables); do
    u=$(for r in $running; do [ "zk_$(hex10 "$r")" == "$x" ] && echo "$r"; done)
    [ -n "$u" ] || zk_fail "$what: nft table $x without a running zone"
  done
  for x in $(cg_zone_dirs | sort -u); do
    echo "$running" | grep -qx "$x" || zk_fail "$what: cgroup $x without a running zone"
  done
  for x in $(ls "$ZONEKIT_RUN/zones" 2>/dev/null); do
    echo "$all" | grep -qx "$x" || zk_fail "$what: run dir $x without a zone"
  done
  if ls -a "$ZONEKIT_ROOT/zones" | grep -q '^\.\(new\|del\)-'; then zk_fail "$what: staging dir left"; fi
  # After a recover, a second one has nothing to do but keep running zones.
  zoneadm recover -n > "$ZK_TMP/again" || zk_fail "$what: recover -n failed"
  if grep -v '^keep zone \|^nothing to recover$' "$ZK_TMP/again"; then zk_fail "$what: recover left work"; fi
}

# The zone is absent, or incomplete (delete works), or consistent (boot,
# halt work); then it is deleted and the alias can be created again.
check_zone_usable() {
  local what=$1 st
  st=$(state_of f1)
  case $st in
    "") ;;
    incomplete) expect_rc 0 zoneadm delete f1 ;;
    stopped|failed|running)
      expect_rc 0 zoneadm boot f1
      expect_eq "$(state_of f1)" running "$what: state after boot"
      expect_rc 0 zoneadm halt f1
      expect_eq "$(state_of f1)" stopped "$what: state after halt"
      expect_rc 0 zoneadm delete f1 ;;
    *) zk_fail "$what: zone f1 in state '$st'" ;;
  esac
  [ -z "$(state_of f1)" ] || zk_fail "$what: f1 still listed after delete"
  check_invariants "$what (after delete)"
  expect_rc 0 zoneadm create -f "$ZK_TMP/f1.json"
  expect_rc 0 zoneadm delete f1
}

# run_fault STEP CMD...: the command must die by SIGKILL (137), or finish
# (when the step is in zoneadmd, which it only starts).
recover_after() {
  local what=$1
  expect_rc 0 zoneadm recover
  cp "$ZK_TMP/out" "$ZK_TMP/recover.$what"
  check_invariants "$what"
  check_zone_usable "$what"
  echo "ok $what: $(tr '\n' ';' < "$ZK_TMP/recover.$what")"
}

walked=0
# --- create: the command itself dies ---------------------------------------
for step in create.after_intent create.after_staging create.after_publish; do
  expect_rc 137 env ZONEKIT_FAULT=$step zoneadm create -f "$ZK_TMP/f1.json"
  recover_after $step
  walked=$((walked + 1))
done

# --- boot: zoneadmd (or the zone's first process) dies ---------------------
for step in boot.after_cgroup boot.after_veth boot.after_filter boot.after_clone boot.after_pivot; do
  expect_rc 0 zoneadm create -f "$ZK_TMP/f1.json"
  env ZONEKIT_FAULT=$step zoneadm boot f1 >"$ZK_TMP/bootout" 2>&1 || true
  if [ $step == boot.after_pivot ]; then
    # The init dies before exec (after building its root, before it is in
    # the zone's cgroup): the boot fails at once, saying so, and the
    # "failed" state keeps the reason.
    expect_contains "$ZK_TMP/bootout" 'zone init exited before reporting'
    for i in $(seq 1 300); do [ "$(state_of f1)" == failed ] && break; sleep 0.1; done
    expect_eq "$(state_of f1)" failed "$step: state"
    expect_rc 0 zoneadm info f1
    expect_contains "$ZK_TMP/out" '"error": "boot failed: zone init exited before reporting"'
  fi
  recover_after $step
  walked=$((walked + 1))
done

# --- boot.after_filter, frozen: the filter is in place before the port is up
expect_rc 0 zoneadm create -f "$ZK_TMP/f1.json"
u=$(uuid_of f1)
port=zk$(hex10 "$u")n0
env ZONEKIT_FAULT=boot.after_filter:stop zoneadm boot f1 >"$ZK_TMP/bootout" 2>&1 &
bootpid=$!
zpid=""
for i in $(seq 1 200); do
  zpid=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$u/state.json" 2>/dev/null || true)
  [ -n "$zpid" ] && [ "$(awk '{print $3}' "/proc/$zpid/stat" 2>/dev/null)" == T ] && break
  zpid=""
  sleep 0.05
done
[ -n "$zpid" ] || zk_fail "zoneadmd never stopped at boot.after_filter"
ip -o link show "$port" > "$ZK_TMP/port" || zk_fail "after_filter: host port $port missing"
chain=$(nft list chain netdev "zk_$(hex10 "$u")" n0 2>&1 || true)
grep -qF "hook ingress device \"$port\"" <<<"$chain" || zk_fail "after_filter: no chain at the ingress of $port: $chain"
if grep -q 'master' "$ZK_TMP/port"; then zk_fail "after_filter: port bridged before the zone side is set"; fi
if grep -q '[<,]UP[,>]' "$ZK_TMP/port"; then zk_fail "after_filter: port up before the zone side is set"; fi
kill -KILL "$zpid"
wait "$bootpid" || true
recover_after boot.after_filter:stop

# --- halt: zoneadmd dies while stopping a running zone ---------------------
# The fault is in zoneadmd, which inherits it from the boot that started it.
for step in halt.after_kill halt.after_cgroup_removed; do
  expect_rc 0 zoneadm create -f "$ZK_TMP/f1.json"
  expect_rc 0 env ZONEKIT_FAULT=$step zoneadm boot f1
  expect_eq "$(state_of f1)" running "$step: boot with a halt fault armed"
  zoneadm halt f1 >/dev/null 2>&1 || true
  recover_after $step
  walked=$((walked + 1))
done

# --- update: the command dies right after the atomic write -----------------
expect_rc 0 zoneadm create -f "$ZK_TMP/f1.json"
cp "$ZONEKIT_ROOT/zones/$(uuid_of f1)/zone.json" "$ZK_TMP/before.json"
expect_rc 137 env ZONEKIT_FAULT=update.after_write zoneadm update f1 max_physical_memory=512
expect_eq "$(zoneadm list -H -p -o ram alias=f1)" 512 "update.after_write: the write is whole"
recover_after update.after_write
walked=$((walked + 1))

# --- delete: of a running zone (halted first), killed after each step ------
for step in delete.after_mark delete.after_rename; do
  expect_rc 0 zoneadm create -f "$ZK_TMP/f1.json"
  expect_rc 0 zoneadm boot f1
  u=$(uuid_of f1)
  expect_rc 137 env ZONEKIT_FAULT=$step zoneadm delete f1
  case $step in
    delete.after_mark) expect_eq "$(state_of f1)" incomplete "$step: state" ;;
    delete.after_rename) expect_eq "$(state_of f1)" "" "$step: zone listed" ;;
  esac
  expect_rc 0 zoneadm recover -n
  cp "$ZK_TMP/out" "$ZK_TMP/plan.$step"
  case $step in
    delete.after_mark) expect_contains "$ZK_TMP/plan.$step" "finish interrupted delete of zone f1" ;;
    delete.after_rename) expect_contains "$ZK_TMP/plan.$step" "finish interrupted delete .del-$u" ;;
  esac
  recover_after $step
  walked=$((walked + 1))
done
# An incomplete zone refuses boot and is deleted by delete, without recover.
expect_rc 0 zoneadm create -f "$ZK_TMP/f1.json"
expect_rc 137 env ZONEKIT_FAULT=delete.after_mark zoneadm delete f1
expect_rc 1 zoneadm boot f1
expect_contains "$ZK_TMP/err" "boot operation is invalid for zones in state 'incomplete'"
expect_rc 0 zoneadm delete f1
check_invariants "delete of an incomplete zone"

# --- debris with no zone at all: recover removes it ------------------------
U=cccccccc-0000-4000-8000-00000000dead
mkdir -p "$ZONEKIT_RUN/zones/$U" "$ZONEKIT_ROOT/zones/.new-$U" "$ZONEKIT_ROOT/zones/.del-$U"
ip link add "zkcccccccc00n0" type veth peer name zkpeer0
nft add table netdev zk_cccccccc00
nft add table bridge zk_cccccccc00   # a zone's table as earlier versions made it
# in every hierarchy zonekit uses (where earlier boots made the parent)
dirs=$(zk_cgroup_dirs)
[ -n "$dirs" ] || zk_fail "no cgroup parent directories after the boots"
for d in $dirs; do mkdir "$d/$U"; done
expect_rc 0 zoneadm recover -n
cp "$ZK_TMP/out" "$ZK_TMP/orphans"
expect_contains "$ZK_TMP/orphans" "delete veth zkcccccccc00n0 (no zone)"
expect_contains "$ZK_TMP/orphans" "delete nft table zk_cccccccc00 (no zone)"
expect_contains "$ZK_TMP/orphans" "kill and remove cgroup $ZONEKIT_CGROUP_PARENT/$U (no zone)"
expect_contains "$ZK_TMP/orphans" "remove run directory $U (no zone)"
expect_contains "$ZK_TMP/orphans" "remove interrupted create .new-$U"
expect_contains "$ZK_TMP/orphans" "finish interrupted delete .del-$U"
ip link show zkcccccccc00n0 >/dev/null || zk_fail "recover -n changed the host"
expect_rc 0 zoneadm recover
expect_eq "$(cat "$ZK_TMP/out")" "$(cat "$ZK_TMP/orphans")" "recover did what -n planned"
check_invariants "orphans"
expect_rc 0 zoneadm recover
expect_eq "$(cat "$ZK_TMP/out")" "nothing to recover" "second recover"

# --- boot --autoboot recovers first ----------------------------------------
mkdir -p "$ZONEKIT_RUN/zones/$U"
expect_rc 0 zoneadm boot --autoboot
expect_contains "$ZK_TMP/err" "recover: remove run directory $U (no zone)"
[ ! -d "$ZONEKIT_RUN/zones/$U" ] || zk_fail "autoboot did not recover"

echo "fault points walked: $walked (+ boot.after_veth frozen)"
