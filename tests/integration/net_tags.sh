#!/usr/bin/env bash
# nicadm update and delete keep the host and the zones consistent:
#  - a gateway a zone already holds is refused, naming the zone; zones made
#    while the tag had no gateway get the new one (nicadm says so) and their
#    default route at the next boot; a changed gateway moves off the bridge
#  - delete removes the bridge zonekit made, with its addresses, and leaves
#    an admin's bridge and its own addresses (only zonekit's gateway goes)
#  - listings: bare IPs in nicadm show as in zoneadm list; a missing value
#    is '-' in tables, empty with -p, null with -j
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"

# --- a gateway added to a tag that had none ---------------------------------
expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.70.0.0/24 --range 10.70.0.10-10.70.0.20
zk_net_create z1 >/dev/null
zk_net_create z2 >/dev/null
IP1=$(zk_ip z1) IP2=$(zk_ip z2)
expect_eq "$(zoneadm get z1 | jq -c '.nics[0].gateways')" '[]' "z1 gateways while the tag has none"

# missing values: '-' in the table, empty with -p, null with -j
expect_eq "$(nicadm list -H -o name,gateway)" "lan  -" "nicadm list table, no gateway"
expect_eq "$(nicadm list -p -o name,gateway,range)" "lan::10.70.0.10-10.70.0.20" "nicadm list -p, no gateway"
expect_eq "$(nicadm list -j -o name,gateway | jq -c '.[0]')" '{"gateway":null,"name":"lan"}' "nicadm list -j, no gateway"
expect_eq "$(nicadm list -j | jq -c '.[0] | [.gateway, .host_access, .forward]')" '[null,[],[]]' "nicadm list -j, whole tag"
# one address convention: bare, as zoneadm list prints it
expect_eq "$(nicadm show -p -o zone,ip lan)" "$(printf 'z1:%s\nz2:%s' "$IP1" "$IP2")" "nicadm show -p"
expect_eq "$(nicadm show -j -o ip lan | jq -r '.[0].ip')" "$IP1" "nicadm show -j"
expect_eq "$(zoneadm list -H -p -o alias,ip -s alias)" "$(nicadm show -H -p -o zone,ip lan)" "zoneadm list and nicadm show agree"

# the address of a zone: refused, naming it
expect_rc 1 nicadm update lan --gateway "$IP1"
expect_contains "$ZK_TMP/err" "nicadm: nic tag lan: gateway $IP1 is the address of zone z1 (net0)"
expect_eq "$(nicadm list -H -o gateway)" "-" "gateway after the refused update"
ip -4 addr show dev zkbr0 | grep -q "$IP1" && zk_fail "the bridge took z1's address"

expect_rc 0 zoneadm boot z1
expect_eq "$(zlogin z1 ip -4 route show default)" "" "z1 default route before the tag has a gateway"
expect_rc 0 nicadm update lan --gateway 10.70.0.1
expect_contains "$ZK_TMP/err" "nic tag lan: z1 (net0), z2 (net0) had no gateway and no default route; they get gateway 10.70.0.1 at their next boot"
expect_eq "$(zoneadm get z1 | jq -c '.nics[0].gateways')" '["10.70.0.1"]' "z1 gateways after the update"
expect_eq "$(zoneadm get z2 | jq -c '.nics[0].gateways')" '["10.70.0.1"]' "z2 gateways after the update"
ip -4 -o addr show dev zkbr0 | grep -q " 10.70.0.1/24 " || zk_fail "the bridge lacks the new gateway"
expect_rc 0 zoneadm reboot z1
expect_eq "$(zlogin z1 ip -4 route show default)" "default via 10.70.0.1 dev net0 " "z1 default route after reboot"

# a changed gateway: moves off the bridge, the zones follow
expect_rc 0 nicadm update lan --gateway 10.70.0.2
expect_contains "$ZK_TMP/err" "z1 (net0), z2 (net0) get gateway 10.70.0.2 instead of 10.70.0.1 at their next boot"
expect_eq "$(ip -4 -o addr show dev zkbr0 | awk '{print $4}')" "10.70.0.2/24" "bridge addresses after the change"
expect_eq "$(zoneadm get z2 | jq -c '.nics[0].gateways')" '["10.70.0.2"]' "z2 gateways after the change"
# a zone with its own gateway list is left alone
zoneadm update z2 -f - <<<"{\"update_nics\": [{\"mac\": \"$(zk_mac z2)\", \"gateways\": [\"10.70.0.9\"]}]}" 2>/dev/null
expect_rc 0 nicadm update lan --gateway 10.70.0.1
expect_eq "$(zoneadm get z2 | jq -c '.nics[0].gateways')" '["10.70.0.9"]' "z2's own gateway"
grep -q "z2" "$ZK_TMP/err" && zk_fail "z2 named though its gateway is its own: $(cat "$ZK_TMP/err")"

for z in z1 z2; do expect_rc 0 zoneadm delete $z; done

# --- delete: what zonekit made goes, what the admin made stays ---------------
expect_rc 0 nicadm delete lan
ip link show zkbr0 >/dev/null 2>&1 && zk_fail "nicadm delete left the bridge it made"

ip link add bradmin type bridge
ip link set bradmin up
ip addr add 10.71.0.254/24 dev bradmin
expect_rc 0 nicadm add adm --bridge bradmin --subnet 10.71.0.0/24 --gateway 10.71.0.1
ip -4 -o addr show dev bradmin | grep -q " 10.71.0.1/24 " || zk_fail "gateway not put on the admin's bridge"
expect_rc 0 nicadm delete adm
ip link show bradmin >/dev/null 2>&1 || zk_fail "nicadm delete removed the admin's bridge"
expect_eq "$(ip -4 -o addr show dev bradmin | awk '{print $4}')" "10.71.0.254/24" "admin bridge addresses after delete"

# the gateway was the admin's already: it stays
ip addr add 10.72.0.1/24 dev bradmin
expect_rc 0 nicadm add adm2 --bridge bradmin --subnet 10.72.0.0/24 --gateway 10.72.0.1
expect_rc 0 nicadm delete adm2
ip -4 -o addr show dev bradmin | grep -q " 10.72.0.1/24 " || zk_fail "nicadm delete took the admin's own address"

# two tags on one bridge: it stays while the other uses it
expect_rc 0 nicadm add t1 --bridge zkbr5 --subnet 10.73.0.0/24 --gateway 10.73.0.1
expect_rc 0 nicadm add t2 --bridge zkbr5 --subnet 10.74.0.0/24 --gateway 10.74.0.1
expect_rc 0 nicadm delete t1
ip link show zkbr5 >/dev/null 2>&1 || zk_fail "bridge removed while t2 uses it"
expect_eq "$(ip -4 -o addr show dev zkbr5 | awk '{print $4}')" "10.74.0.1/24" "zkbr5 addresses after t1 went"
expect_rc 0 nicadm delete t2
ip link show zkbr5 >/dev/null 2>&1 && zk_fail "bridge left after its last tag"
ip link del bradmin
# no tags left: no host policy either
nft list table inet zonekit >/dev/null 2>&1 && zk_fail "host policy table left without tags"
zk_assert_no_leftovers
