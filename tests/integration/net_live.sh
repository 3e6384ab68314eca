#!/usr/bin/env bash
# zoneadm update add_nics / remove_nics / update_nics on a running zone:
# applied live (net1 appears with its address, guarded by the filter, and
# goes away again); on a stopped zone the change waits for the next boot.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"
[ -x /usr/bin/ping ] || zk_fail "iputils-ping is needed (apt-get install iputils-ping)"

expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.66.0.0/24 --gateway 10.66.0.1 --host-access all
expect_rc 0 nicadm add lan2 --bridge zkbr1 --subnet 10.67.0.0/24 --gateway 10.67.0.1 --host-access all
zk_net_create z1 >/dev/null
zk_net_create z2 >/dev/null
expect_rc 0 zoneadm boot z1
expect_rc 0 zoneadm boot z2
T1=$(zk_table z1)
U1=$(zk_uuid z1)
HOST1="zk$(echo "$U1" | tr -d - | cut -c1-10)n1"
in_ns() { local z=$1; shift; nsenter --net="/proc/$(zk_init_pid "$z")/ns/net" "$@"; }

# add a nic live
expect_rc 0 zoneadm update z1 -f - <<<'{"add_nics": [{"nic_tag": "lan2"}]}'
expect_contains "$ZK_TMP/err" "zone z1: applied live: nics"
grep -q "next boot" "$ZK_TMP/err" && zk_fail "live add reported as next boot: $(cat "$ZK_TMP/err")"
MACB=$(zoneadm get z1 | jq -r '.nics[1].mac')
IPB=$(zoneadm get z1 | jq -r '.nics[1].ips[0]')
case $IPB in 10.67.0.*/24) ;; *) zk_fail "net1 address $IPB" ;; esac
expect_eq "$(zk_inside z1 net1)" "$MACB $IPB" "net1 inside after live add"
expect_eq "$(zk_inside z1 net0)" "$(zk_mac z1) $(zk_ip z1)/24" "net0 kept"
ip link show "$HOST1" | grep -q "master zkbr1" || zk_fail "host end $HOST1 not on zkbr1"
zlogin z1 ping -c1 -W2 10.67.0.1 >/dev/null || zk_fail "net1 -> its gateway"
zlogin z1 ping -c1 -W2 10.66.0.1 >/dev/null || zk_fail "net0 still works"
zk_listen_host 6000 "$ZK_TMP/gw"
zk_send z1 10.67.0.1 6000 via-net1 || zk_fail "TCP over net1"
zk_wait_listener
expect_eq "$(cat "$ZK_TMP/gw")" via-net1 "data over net1"
# the new port is guarded: a foreign source on net1 is dropped and counted
nft list chain netdev "$T1" n1 >/dev/null || zk_fail "no filter chain for net1"
before=$(zk_counter z1 n1_ip)
in_ns z1 ip addr add 10.67.0.250/32 dev net1
in_ns z1 ping -c1 -W1 -I 10.67.0.250 10.67.0.1 >/dev/null 2>&1 && zk_fail "spoofed source on net1 got through"
[ "$(zk_counter z1 n1_ip)" -gt "$before" ] || zk_fail "no drop counted on net1"
in_ns z1 ip addr del 10.67.0.250/32 dev net1
# a reboot (and an init restart, same path) keeps the live-added nic
expect_rc 0 zoneadm reboot z1
expect_eq "$(zk_inside z1 net1)" "$MACB $IPB" "net1 after reboot"

# update_nics: a filter-only change (allow_ip_spoofing) applies live
expect_rc 0 zoneadm update z1 -f - <<<"{\"update_nics\": [{\"mac\": \"$MACB\", \"allow_ip_spoofing\": true}]}"
expect_contains "$ZK_TMP/err" "applied live: "
in_ns z1 ip addr add 10.67.0.250/32 dev net1
in_ns z1 ping -c1 -W2 -I 10.67.0.250 10.67.0.1 >/dev/null 2>&1 || zk_fail "allow_ip_spoofing set live not applied"
in_ns z1 ip addr del 10.67.0.250/32 dev net1
expect_eq "$(zk_inside z1 net1)" "$MACB $IPB" "net1 kept across a filter-only change"

# remove it live
expect_rc 0 zoneadm update z1 -f - <<<"{\"remove_nics\": [\"$MACB\"]}"
expect_contains "$ZK_TMP/err" "applied live: "
zlogin z1 ip link show net1 >/dev/null 2>&1 && zk_fail "net1 still in the zone"
ip link show "$HOST1" >/dev/null 2>&1 && zk_fail "host end $HOST1 remains"
nft list chain netdev "$T1" n1 >/dev/null 2>&1 && zk_fail "filter chain for net1 remains"
expect_eq "$(zk_inside z1 net0)" "$(zk_mac z1) $(zk_ip z1)/24" "net0 after remove"
zlogin z1 ping -c1 -W2 10.66.0.1 >/dev/null || zk_fail "net0 after remove"
nicadm show lan2 | grep -q "z1 " && zk_fail "z1 still allocated on lan2"
expect_rc 0 zoneadm reboot z1
zlogin z1 ip link show net1 >/dev/null 2>&1 && zk_fail "a removed nic came back at reboot"
expect_eq "$(zk_inside z1 net0)" "$(zk_mac z1) $(zk_ip z1)/24" "net0 after remove and reboot"

# a stopped zone: applies at the next boot
expect_rc 0 zoneadm halt z2
expect_rc 0 zoneadm update z2 -f - <<<'{"add_nics": [{"nic_tag": "lan2"}]}'
expect_rc 0 zoneadm boot z2
MAC2B=$(zoneadm get z2 | jq -r '.nics[1].mac')
IP2B=$(zoneadm get z2 | jq -r '.nics[1].ips[0]')
expect_eq "$(zk_inside z2 net1)" "$MAC2B $IP2B" "net1 of z2 after boot"
zlogin z2 ping -c1 -W2 10.67.0.1 >/dev/null || zk_fail "z2 net1 -> gateway"

# a live add on z1 again, then halt: nothing of either nic stays
expect_rc 0 zoneadm update z1 -f - <<<'{"add_nics": [{"nic_tag": "lan2"}]}'
zlogin z1 ping -c1 -W2 "${IP2B%/*}" >/dev/null || zk_fail "z1 net1 -> z2 net1"
expect_rc 0 zoneadm halt z1
ip link show "$HOST1" >/dev/null 2>&1 && zk_fail "host end $HOST1 remains after halt"
nft list table netdev "$T1" >/dev/null 2>&1 && zk_fail "table $T1 remains after halt"

# a zone booted without nics gains one live and loses it again; halt after
# a live add leaves no table either
echo '{"alias": "z3"}' | zoneadm create -f - >/dev/null
expect_rc 0 zoneadm boot z3
T3=$(zk_table z3)
expect_rc 0 zoneadm update z3 -f - <<<'{"add_nics": [{"nic_tag": "lan"}]}'
expect_contains "$ZK_TMP/err" "applied live: "
expect_eq "$(zk_inside z3 net0)" "$(zk_mac z3) $(zk_ip z3)/24" "z3 net0 after live add"
expect_eq "$(zlogin z3 ip -4 route show default)" "default via 10.66.0.1 dev net0 " "z3 default route"
zlogin z3 ping -c1 -W2 10.66.0.1 >/dev/null || zk_fail "z3 -> gateway after live add"
expect_rc 0 zoneadm update z3 -f - <<<"{\"remove_nics\": [\"$(zk_mac z3)\"]}"
zlogin z3 ip link show net0 >/dev/null 2>&1 && zk_fail "z3 net0 remains"
nft list table netdev "$T3" >/dev/null 2>&1 && zk_fail "table $T3 remains after its last nic went"
expect_rc 0 zoneadm update z3 -f - <<<'{"add_nics": [{"nic_tag": "lan"}]}'
expect_rc 0 zoneadm halt z3
nft list table netdev "$T3" >/dev/null 2>&1 && zk_fail "table $T3 remains after halt"

expect_rc 0 zoneadm delete z1
expect_rc 0 zoneadm delete z2
expect_rc 0 zoneadm delete z3
zk_assert_no_leftovers
