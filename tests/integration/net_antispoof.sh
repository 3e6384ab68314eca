#!/usr/bin/env bash
# Anti-spoofing through the product: a zone that takes another zone's IP or
# a foreign IP, or changes its MAC, gets nothing through (the table's named
# counters count the drops), the other zone is unaffected; a nic with
# allow_ip_spoofing may send from an extra address. The filter sits at the
# ingress of each zone's host port: VLAN-tagged frames (the tag handed over
# out of band by the veth) die there too, frames a zone routes through an
# ifb device to dodge the hook die at the guard at the latest, and a zone
# port without its filter is closed by the guard.
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
# z4 may spoof both: only the mark and the flood limit (the control below)
zk_net_create z4 "" ', "allow_ip_spoofing": true, "allow_mac_spoofing": true' >/dev/null
for z in z1 z2 z3 z4; do expect_rc 0 zoneadm boot $z; done
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

# What reaches the bridge past the port filters and the guard (priority 0,
# after both), for the checks below.
nft -f - <<'NFT'
table bridge watch {
	counter tagged { }
	counter foreign { }
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		iifname "zk*" vlan id 5 counter name "tagged"
		iifname "zk*" ip saddr 10.66.0.250 counter name "foreign"
	}
}
NFT
watch() { nft list counter bridge watch "$1" | awk '/packets/ {print $2}'; }

# 802.1Q: the veth hands the tag over out of band (tx VLAN offload); the
# port filter still reads it as the ether type and drops the frame as
# "other". z4's chain lets anything through: its tagged frames show the
# path would carry z1's.
if in_ns z1 ip link add link net0 name net0.5 type vlan id 5 2>/dev/null; then
  in_ns z4 ip link add link net0 name net0.5 type vlan id 5
  in_ns z1 ip addr add 10.55.0.11/24 dev net0.5
  in_ns z4 ip addr add 10.55.0.14/24 dev net0.5
  for z in z1 z4; do in_ns $z ip link set net0.5 up; done
  before=$(zk_counter z1 n0_other) t0=$(watch tagged)
  ping_ns z1 -I net0.5 10.55.0.1 || true
  expect_eq "$(watch tagged)" "$t0" "tagged frames of z1 past the filter"
  [ "$(zk_counter z1 n0_other)" -gt "$before" ] || zk_fail "no n0_other drop counted for z1's tagged frames"
  ping_ns z4 -I net0.5 10.55.0.1 || true
  [ "$(watch tagged)" -gt "$t0" ] || zk_fail "z4's tagged frames never reached the bridge: the check above proves nothing"
  for z in z1 z4; do in_ns $z ip link del net0.5; done
else
  echo "net_antispoof: no 8021q in this kernel, VLAN check skipped" >&2
fi

# ifb: a zone with NET_ADMIN in its netns can send its frames through an
# ifb device, which flags them "skip classification" when it hands them
# back to net0. Where nothing on net0's egress consumes the flag (frames go
# to ifb0 only while marked 7, and ifb0 clears the mark: fw and skbedit),
# it crosses the veth and the host port skips tc and netfilter ingress.
# Spoofed frames sent that way must still die: at the port filter, or else
# at the guard.
if in_ns z1 ip link add ifb0 type ifb 2>/dev/null; then
  in_ns z1 ip link set ifb0 up
  in_ns z1 tc qdisc add dev net0 clsact
  in_ns z1 tc qdisc add dev ifb0 clsact
  if in_ns z1 tc filter add dev net0 egress protocol all prio 1 handle 7 fw action mirred egress redirect dev ifb0 2>/dev/null &&
     in_ns z1 tc filter add dev ifb0 egress protocol all prio 1 u32 match u32 0 0 action skbedit mark 0 2>/dev/null; then
    how="fw 7 -> ifb0, skbedit mark 0"
  else
    in_ns z1 tc filter del dev net0 egress 2>/dev/null || true
    in_ns z1 tc filter add dev net0 egress protocol ip prio 1 u32 match u32 0 0 action mirred egress redirect dev ifb0
    how="u32 -> ifb0; no cls_fw or act_skbedit, so net0's filter consumes the flag"
  fi
  # No ARP on the way: the gateway's MAC is pinned, so the echo requests go out.
  in_ns z1 ip neigh replace $GW lladdr "$(ip -br link show zkbr0 | awk '{print $3}')" dev net0 nud permanent
  in_ns z1 ip addr add "$FOREIGN/32" dev net0
  f0=$(zk_counter z1 n0_ip) g0=$(zk_unfiltered) w0=$(watch foreign)
  ping_ns z1 -m 7 -c3 -I "$FOREIGN" $GW || true
  f1=$(zk_counter z1 n0_ip) g1=$(zk_unfiltered)
  echo "net_antispoof: spoofed via ifb ($how): port filter dropped $((f1 - f0)), guard dropped $((g1 - g0))" >&2
  expect_eq "$(watch foreign)" "$w0" "spoofed frames via ifb past the filter and the guard"
  [ $((f1 - f0 + g1 - g0)) -ge 3 ] || zk_fail "spoofed frames via ifb: only $((f1 - f0 + g1 - g0)) of 3 counted as dropped"
  in_ns z1 ip addr del "$FOREIGN/32" dev net0
  # z1's own address the same way: through when the port filter saw the
  # frames, dropped by the guard when they skipped it (either is safe;
  # which one, the kernel decides).
  g0=$(zk_unfiltered)
  if ping_ns z1 -m 7 $GW; then own="passed the port filter"; else own="guard dropped $(( $(zk_unfiltered) - g0 ))"; fi
  echo "net_antispoof: own address via ifb: $own" >&2
  in_ns z1 tc qdisc del dev net0 clsact
  in_ns z1 ip link del ifb0
  in_ns z1 ip neigh del $GW dev net0
  ping_ok z1 $GW || zk_fail "z1 after the ifb check"
else
  echo "net_antispoof: no ifb in this kernel, ifb check skipped" >&2
fi

# A zone port without its filter (a table removed by hand, or a chain gone
# with an earlier device of that name on kernels before 6.16): closed by
# the guard. Renamed to a name that is no zone port's, the same port
# passes: the drop is the guard's.
unshare --net sleep 600 &
rogue=$!
stop_rogue() { kill "$rogue" 2>/dev/null || true; wait "$rogue" 2>/dev/null || true; }
ZK_EXTRA_CLEANUP=stop_rogue
for i in $(seq 1 100); do [ "$(readlink /proc/$rogue/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.05; done
ip link add zkdeadbeef00n0 type veth peer name eth0 netns $rogue
nsenter --net=/proc/$rogue/ns/net sh -c "ip link set lo up; ip addr add 10.66.0.240/24 dev eth0; ip link set eth0 up"
ip link set zkdeadbeef00n0 master zkbr0 up
g0=$(zk_unfiltered)
! nsenter --net=/proc/$rogue/ns/net ping -c1 -W2 $GW >/dev/null 2>&1 || zk_fail "a zone port without its filter passed frames"
[ "$(zk_unfiltered)" -gt "$g0" ] || zk_fail "the guard counted no unfiltered frame"
ip link set zkdeadbeef00n0 down
ip link set zkdeadbeef00n0 name xdeadbeef00n0
ip link set xdeadbeef00n0 up
nsenter --net=/proc/$rogue/ns/net ping -c1 -W2 $GW >/dev/null 2>&1 || zk_fail "the control port (no zone port's name) does not pass"
ip link del xdeadbeef00n0
stop_rogue
nft delete table bridge watch

for z in z1 z2 z3 z4; do expect_rc 0 zoneadm delete $z; done
zk_assert_no_leftovers
