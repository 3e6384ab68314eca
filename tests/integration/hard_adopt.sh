#!/usr/bin/env bash
# Zones outlive their zoneadmd (aliases ka, kb: an alias that is a hex
# prefix could match a uuid): kill -9 of a zone's supervisor at 20 random
# moments, under load (console floods, metadata requests, zlogin sessions,
# TCP between the zones, a CPU hog on the host). Each time the zone keeps
# its init, IP and MAC and its traffic; the list marks it unsupervised; the
# next command on it (boot, zlogin, update, recover; not info, nor a
# command on another zone)
# starts a zoneadmd that adopts it, with the same keeper holding its
# console. Halt then leaves nothing: no process, veth, table or cgroup.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"

expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.67.0.0/24 --gateway 10.67.0.1
zk_net_create ka >/dev/null
zk_net_create kb >/dev/null
expect_rc 0 zoneadm update ka 'customer_metadata.color=blue'
expect_rc 0 zoneadm boot ka
expect_rc 0 zoneadm boot kb
IPA=$(zk_ip ka) IPB=$(zk_ip kb)
BASE_A=$(zk_inside ka net0) BASE_B=$(zk_inside kb net0)
expect_eq "$BASE_A" "$(zk_mac ka) $IPA/24" "a net0 inside"

# Load inside the zones and on the host, for the whole test.
zlogin ka sh -c 'while :; do echo console-a-$$ >/dev/console; done' >/dev/null 2>&1 &
LOAD1=$!
zlogin kb sh -c 'while :; do mdata-get color >/dev/null 2>&1; echo console-b >/dev/console; done' >/dev/null 2>&1 &
LOAD2=$!
( while :; do :; done ) &
HOG=$!
# (the harness's cleanup trap runs after ours)
trap 'rc=$?; kill $LOAD1 $LOAD2 $HOG 2>/dev/null || true; (exit $rc) || zk_cleanup; zk_cleanup' EXIT

tcp_ok() {   # $1: label
  zk_listen_zone ka 5000 "$ZK_TMP/recv"
  zk_send kb "$IPA" 5000 "hi-$1" || zk_fail "$1: b -> a TCP failed"
  zk_wait_listener
  expect_eq "$(cat "$ZK_TMP/recv")" "hi-$1" "$1: data b -> a"
}
field() { sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p" "$ZONEKIT_RUN/zones/$(zk_uuid "$1")/state.json"; }

INIT_A=$(zk_init_pid ka) INIT_B=$(zk_init_pid kb)
KEEP_A=$(zk_keeper_pid ka) KEEP_B=$(zk_keeper_pid kb)
adopted_by=(boot zlogin update recover other)
for i in $(seq 1 20); do
  z=$([ $((RANDOM % 2)) == 0 ] && echo ka || echo kb)
  other=$([ $z == ka ] && echo kb || echo ka)
  zp=$(zk_zoneadmd_pid $z)
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  kill -KILL "$zp"
  for t in $(seq 100); do kill -0 "$zp" 2>/dev/null || break; sleep 0.02; done
  [ "$(zk_init_pid ka) $(zk_init_pid kb)" == "$INIT_A $INIT_B" ] || zk_fail "round $i: an init changed"
  kill -0 "$INIT_A" && kill -0 "$INIT_B" || zk_fail "round $i: a zone died with its zoneadmd"
  expect_eq "$(zoneadm list -H -p -o state,supervisor alias=$z)" "running:none" "round $i: $z listed"
  zoneadm list >"$ZK_TMP/table" 2>"$ZK_TMP/note"
  grep -q "running\*" "$ZK_TMP/table" || zk_fail "round $i: default list does not mark $z"
  grep -q "running without its zoneadmd" "$ZK_TMP/note" || zk_fail "round $i: no footnote"
  how=${adopted_by[$((i % ${#adopted_by[@]}))]}
  case $how in
    boot) expect_rc 0 zoneadm boot $z ;;
    zlogin) expect_eq "$(zlogin $z echo in)" in "round $i: zlogin $z" ;;
    update) expect_rc 0 zoneadm update $z "customer_metadata.round=$i" ;;
    recover)
      expect_rc 0 zoneadm recover
      grep -q "adopt zone $z" "$ZK_TMP/out" "$ZK_TMP/err" || zk_fail "round $i: recover did not adopt $z: $(cat "$ZK_TMP/out")" ;;
    other)  # commands on another zone, and read-only ones, adopt nothing
      expect_rc 0 zoneadm info $other
      expect_rc 0 zoneadm info $z
      expect_eq "$(zoneadm list -H -p -o supervisor alias=$z)" none "round $i: read-only commands adopt nothing"
      expect_rc 0 zoneadm boot $z ;;
  esac
  expect_eq "$(zoneadm list -H -p -o state,supervisor alias=$z)" "running:running" "round $i ($how): $z adopted"
  [ "$(zk_zoneadmd_pid $z)" != "$zp" ] || zk_fail "round $i: no new zoneadmd"
  expect_eq "$(zk_keeper_pid ka) $(zk_keeper_pid kb)" "$KEEP_A $KEEP_B" "round $i: keepers kept"
  if [ $((i % 5)) == 0 ]; then
    expect_eq "$(zk_inside ka net0)" "$BASE_A" "round $i: a net0"
    expect_eq "$(zk_inside kb net0)" "$BASE_B" "round $i: b net0"
    tcp_ok "round$i"
  fi
done
na=$(field ka adoptions) nb=$(field kb adoptions)
expect_eq "$((na + nb))" 20 "adoptions in all"
# The console kept flowing into the log across the adoptions.
ua=$(zk_uuid ka)
tail -c 4096 "$ZONEKIT_RUN/zones/$ua/console.log" | grep -q console-a || zk_fail "a's console went quiet"
# Metadata still answers through the adopted doors (socket and ttyS1).
expect_eq "$(zlogin ka mdata-get color)" blue "metadata after adoptions"
expect_rc 0 zoneadm update ka customer_metadata.final=yes
expect_eq "$(zlogin ka mdata-get final)" yes "metadata updated after adoptions"

kill $LOAD1 $LOAD2 $HOG 2>/dev/null || true; wait $LOAD1 $LOAD2 $HOG 2>/dev/null || true
expect_rc 0 zoneadm halt ka
expect_rc 0 zoneadm halt kb
for p in $INIT_A $INIT_B $KEEP_A $KEEP_B; do
  for t in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$p" 2>/dev/null || zk_fail "process $p left after halt"
done
zk_assert_no_leftovers
[ -z "$(zk_cgroups_left)" ] || zk_fail "cgroups left: $(zk_cgroups_left)"
expect_rc 0 zoneadm recover -n
expect_eq "$(cat "$ZK_TMP/out")" "nothing to recover" "recover after halts"
expect_rc 0 zoneadm delete ka
expect_rc 0 zoneadm delete kb
echo "ok 20 supervisor kills adopted"
