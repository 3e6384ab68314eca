#!/usr/bin/env bash
# More zones with filtered nics than one hook point of a network namespace
# holds (the kernel's MAX_HOOK_COUNT, 1024). 1100 zones' host ports and
# anti-spoofing tables are made first (bench/nft_scaling --fill: through the
# library, in zoneadmd's order), then two real zones boot on top of them:
# their tables are the 1101st and 1102nd, the zones talk, and a spoofed
# source from one of them is still dropped and counted. With one bridge
# prerouting hook per zone table (before), the 1025th failed: E2BIG.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"
[ -x /usr/bin/ping ] || zk_fail "iputils-ping is needed (apt-get install iputils-ping)"

N=1100
"$ZK_BUILD/bench/nft_scaling" --fill $N >"$ZK_TMP/fill" 2>&1 || zk_fail "$N zones' filters: $(cat "$ZK_TMP/fill")"
cat "$ZK_TMP/fill" >&2
# Counted as host ports: `nft list tables` takes minutes with this many
# tables (nft 1.0.6 dumps each table's objects one by one); zonekit reads
# one zone's table at a time.
zk_ports() { ip -o link show | grep -c ': zk[0-9a-f]*n0@'; }
expect_eq "$(zk_ports)" $N "zone ports after the fill"

GW=10.66.0.1
expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.66.0.0/24 --gateway $GW --host-access all
zk_net_create z1 >/dev/null
zk_net_create z2 >/dev/null
for z in z1 z2; do expect_rc 0 zoneadm boot $z; done
expect_eq "$(zk_ports)" $((N + 2)) "zone ports with z1 and z2"
for z in z1 z2; do nft list table netdev "$(zk_table $z)" >/dev/null || zk_fail "$z has no filter table"; done
IP2=$(zk_ip z2)
in_ns() { local z=$1; shift; nsenter --net="/proc/$(zk_init_pid "$z")/ns/net" "$@"; }

zlogin z1 ping -c1 -W2 $GW >/dev/null || zk_fail "z1 -> gateway"
zlogin z1 ping -c1 -W2 "$IP2" >/dev/null || zk_fail "z1 -> z2"
expect_eq "$(( $(zk_counter z1 n0_ip) + $(zk_counter z1 n0_arp) ))" 0 "z1 drops before spoofing"

# z1 (as host root in its netns, standing for a zone with NET_ADMIN) takes
# z2's address: nothing gets through, the drops are counted, z2 is fine.
in_ns z1 ip addr add "$IP2/32" dev net0
! in_ns z1 ping -c2 -W2 -I "$IP2" $GW >/dev/null 2>&1 || zk_fail "ping from z2's address out of z1 got through"
[ $(( $(zk_counter z1 n0_ip) + $(zk_counter z1 n0_arp) )) -gt 0 ] || zk_fail "no drop counted for z1's spoofed frames"
zlogin z2 ping -c1 -W2 $GW >/dev/null || zk_fail "z2 -> gateway while z1 spoofs"
in_ns z1 ip addr del "$IP2/32" dev net0
zlogin z1 ping -c1 -W2 $GW >/dev/null || zk_fail "z1 -> gateway at the end"

# zoneadm info reads the drop counters without the nft command's cache.
expect_eq "$(zoneadm info z1 | jq '.usage.antispoof_drops.n0_ip + .usage.antispoof_drops.n0_arp')" \
  "$(( $(zk_counter z1 n0_ip) + $(zk_counter z1 n0_arp) ))" "z1's drops in zoneadm info"
t1=$(zk_table z1) t2=$(zk_table z2)
for z in z1 z2; do expect_rc 0 zoneadm delete $z; done
expect_eq "$(zk_ports)" $N "zone ports after z1 and z2 went"
for t in $t1 $t2; do ! nft list table netdev $t >/dev/null 2>&1 || zk_fail "table $t outlived its zone"; done
# The fill's ports and tables go with the test's network namespace.
