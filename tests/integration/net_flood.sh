#!/usr/bin/env bash
# Broadcast and multicast from a zone port are rate-limited by default
# (nics[].broadcast_rate, 300 frames/s with a burst of 300): a zone sending
# broadcast UDP as fast as it can delivers at most about that many frames
# to its neighbour, while unicast between the two is not limited. The
# property changes the rate (live), 0 lifts it.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"
command -v cc >/dev/null || { echo "SKIP: no C compiler for the probe" >&2; exit 77; }
mkdir -p "$ZK_TMP/probe"
cc -O -o "$ZK_TMP/probe/net_probe" "$ZK_SOURCE/tests/integration/probe/net_probe.c"
PROBE_FS="\"filesystems\": [{\"type\": \"lofs\", \"source\": \"$ZK_TMP/probe\", \"target\": \"/opt/probe\", \"options\": [\"ro\"]}],"

expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.66.0.0/24 --gateway 10.66.0.1
zk_net_create z1 "$PROBE_FS" >/dev/null
zk_net_create z2 "$PROBE_FS" >/dev/null
expect_rc 0 zoneadm boot z1
expect_rc 0 zoneadm boot z2
IP2=$(zk_ip z2)
SECONDS_SENT=3

# flood DEST: z1 sends to DEST:9999 for SECONDS_SENT seconds while z2 counts
# for one second more; prints "SENT GOT".
flood() {
  local out="$ZK_TMP/count" i sent
  zlogin z2 /opt/probe/net_probe count 9999 $((SECONDS_SENT + 1)) >"$out" 2>&1 &
  local pid=$!
  for i in $(seq 1 50); do grep -q listening "$out" && break; sleep 0.1; done
  sent=$(zlogin z1 /opt/probe/net_probe flood "$1" 9999 $SECONDS_SENT | awk '{print $2}')
  wait $pid
  echo "$sent $(awk '/^got/ {print $2}' "$out")"
}

# default: 300/s, burst 300 -> at most 300 * 4 + 300 in the window
read -r sent got < <(flood 255.255.255.255)
echo "broadcast, default limit: sent $sent, delivered $got" >&2
[ "$sent" -gt 10000 ] || zk_fail "the flood sent only $sent frames"
[ "$got" -le 1500 ] || zk_fail "broadcast flood delivered $got frames (limit 300/s)"
[ "$got" -ge 300 ] || zk_fail "broadcast delivered only $got frames: limited, not blocked"
[ "$(zk_counter z1 n0_flood)" -gt 10000 ] || zk_fail "n0_flood counted $(zk_counter z1 n0_flood)"
chain=$(nft list chain netdev "$(zk_table z1)" n0)
grep -qF 'limit rate over 300/second burst 300 packets' <<<"$chain" || zk_fail "no default limit rule: $chain"

# unicast between the same two zones is not limited
read -r sent got < <(flood "$IP2")
echo "unicast: sent $sent, delivered $got" >&2
[ "$got" -gt 5000 ] || zk_fail "unicast delivered only $got of $sent frames"

# the nic property: a lower rate, applied to the running zone
MAC1=$(zk_mac z1)
expect_rc 0 zoneadm update z1 -f - <<<"{\"update_nics\": [{\"mac\": \"$MAC1\", \"broadcast_rate\": 50}]}"
expect_contains "$ZK_TMP/err" "applied live: nics"
read -r sent got < <(flood 255.255.255.255)
echo "broadcast, broadcast_rate 50: sent $sent, delivered $got" >&2
[ "$got" -le 300 ] || zk_fail "broadcast_rate 50 delivered $got frames"
[ "$got" -ge 50 ] || zk_fail "broadcast_rate 50 delivered only $got frames"

# 0: no limit
expect_rc 0 zoneadm update z1 -f - <<<"{\"update_nics\": [{\"mac\": \"$MAC1\", \"broadcast_rate\": 0}]}"
read -r sent got < <(flood 255.255.255.255)
echo "broadcast, no limit: sent $sent, delivered $got" >&2
[ "$got" -gt 5000 ] || zk_fail "broadcast_rate 0 still limits: $got frames"
chain=$(nft list chain netdev "$(zk_table z1)" n0)
grep -q limit <<<"$chain" && zk_fail "a limit rule with broadcast_rate 0: $chain"

# bad values are refused
expect_rc 2 zoneadm update z1 -f - <<<"{\"update_nics\": [{\"mac\": \"$MAC1\", \"broadcast_rate\": -1}]}"
expect_contains "$ZK_TMP/err" "broadcast_rate"

for z in z1 z2; do expect_rc 0 zoneadm delete $z; done
zk_assert_no_leftovers
