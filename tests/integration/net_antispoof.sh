#!/usr/bin/env bash
# Anti-spoofing through the product: a zone that takes another zone's IP or
# a foreign IP, or changes its MAC, gets nothing through (the table's named
# counters count the drops), the other zone is unaffected; a nic with
# allow_ip_spoofing may send from an extra address.
# Zones lack CAP_NET_ADMIN and CAP_NET_RAW, so zone root cannot even try:
# that is checked first. The filter is then proven against a stronger
# attacker: a host-root process in the zone's network namespace (nsenter),
# standing for a zone that got NET_ADMIN through a kernel bug.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"
[ -x /usr/bin/ping ] || zk_fail "iputils-ping is needed (apt-get install iputils-ping)"

GW=10.66.0.1
# Everything of the host open to the zones: only the anti-spoofing filter
# may stop what follows (the shield is net_shield.sh's).
expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.66.0.0/24 --gateway $GW --host-access all
zk_net_create z1 >/dev/null
zk_net_create z2 >/dev/null
zk_net_create z3 "" ', "allow_ip_spoofing": true' >/dev/null
for z in z1 z2 z3; do expect_rc 0 zoneadm boot $z; done
IP1=$(zk_ip z1) IP2=$(zk_ip z2) MAC1=$(zk_mac z1)
FOREIGN=10.66.0.250

ping_ok() { zlogin "$1" ping -c1 -W2 "${@:2}" >/dev/null 2>&1; }
# in_ns ZONE cmd...: run cmd as host root in the zone's network namespace
in_ns() { local z=$1; shift; nsenter --net="/proc/$(zk_init_pid "$z")/ns/net" "$@"; }
ping_ns() { in_ns "$1" ping -c1 -W2 "${@:2}" >/dev/null 2>&1; }
drops() {   # sum of z1's ip and arp drop counters
  echo $(( $(zk_counter z1 n0_ip) + $(zk_counter z1 n0_arp) ))
}
# tcp_to_gw ZONE TEXT [ns]: 0 if the host listener on the gateway got TEXT
# (sent by zlogin, or with "ns" from the zone's netns as host root)
tcp_to_gw() {
  zk_listen_host 6000 "$ZK_TMP/gw"
  if [ "${3:-}" == ns ]; then
    echo "$2" | in_ns "$1" busybox nc -w 2 $GW 6000 >/dev/null 2>&1 || true
  else
    zk_send "$1" $GW 6000 "$2" >/dev/null 2>&1 || true
  fi
  zk_wait_listener
  [ "$(cat "$ZK_TMP/gw")" == "$2" ]
}

ping_ok z1 $GW || zk_fail "z1 cannot reach the gateway before spoofing"
tcp_to_gw z1 clean || zk_fail "z1 TCP to the gateway before spoofing"
expect_eq "$(drops)" 0 "drops before spoofing"

# zone root cannot change its addresses or MAC at all
expect_rc 2 zlogin z1 ip addr add "$IP2/32" dev net0
expect_contains "$ZK_TMP/err" "Operation not permitted"
expect_rc 2 zlogin z1 ip link set net0 address 02:66:66:66:66:66
expect_contains "$ZK_TMP/err" "Operation not permitted"

# z1 claims z2's address and a foreign one and sends from them.
for spoof in "$IP2" "$FOREIGN"; do
  before=$(drops)
  in_ns z1 ip addr add "$spoof/32" dev net0
  ! ping_ns z1 -I "$spoof" $GW || zk_fail "ping from spoofed $spoof got through"
  # TCP from the spoofed source (a host route with that source address)
  in_ns z1 ip route add $GW/32 dev net0 src "$spoof"
  ! tcp_to_gw z1 "spoofed-$spoof" ns || zk_fail "TCP from spoofed $spoof got through"
  [ ! -s "$ZK_TMP/gw" ] || zk_fail "the gateway received data from spoofed $spoof"
  in_ns z1 ip route del $GW/32 dev net0 src "$spoof"
  after=$(drops)
  [ "$after" -gt "$before" ] || zk_fail "no drop counted for spoofed $spoof ($before -> $after)"
  # the victim still works while z1 holds its address
  tcp_to_gw z2 "z2-while-$spoof" || zk_fail "z2 TCP to the gateway while z1 spoofs $spoof"
  ping_ok z2 $GW || zk_fail "z2 ping while z1 spoofs $spoof"
  in_ns z1 ip addr del "$spoof/32" dev net0
done
ping_ok z1 $GW || zk_fail "z1 back to its own address"

# z1 changes its MAC: nothing gets through, counted as n0_mac.
before=$(zk_counter z1 n0_mac)
in_ns z1 ip link set net0 address 02:66:66:66:66:66
in_ns z1 ip neigh flush dev net0
! ping_ns z1 $GW || zk_fail "ping with a changed MAC got through"
! tcp_to_gw z1 newmac ns || zk_fail "TCP with a changed MAC got through"
[ "$(zk_counter z1 n0_mac)" -gt "$before" ] || zk_fail "no MAC drop counted"
tcp_to_gw z2 z2-during-mac || zk_fail "z2 TCP while z1 spoofs its MAC"
in_ns z1 ip link set net0 address "$MAC1"
ip neigh flush dev zkbr0
ping_ok z1 $GW || zk_fail "z1 back to its own MAC"

# allow_ip_spoofing: an extra address is fine for that nic only.
before3=$(zk_counter z3 n0_ip)
in_ns z3 ip addr add 10.66.0.251/32 dev net0
ping_ns z3 -I 10.66.0.251 $GW || zk_fail "allow_ip_spoofing: ping from the extra address"
expect_eq "$(zk_counter z3 n0_ip)" "$before3" "z3 ip drops"
ping_ok z2 "$IP1" || zk_fail "z2 -> z1 at the end"

for z in z1 z2 z3; do expect_rc 0 zoneadm delete $z; done
zk_assert_no_leftovers
