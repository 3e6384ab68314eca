#!/usr/bin/env bash
# One tag made by nicadm with a 20-address range: 20 parallel creates get 20
# distinct IPs and MACs, nicadm show lists them, a full pool refuses with a
# clear error and creates nothing, a few of the zones boot and talk, and the
# tag cannot be deleted while zones use it.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"

expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.77.0.0/24 --gateway 10.77.0.1 --range 10.77.0.10-10.77.0.29 \
  --host-access tcp/6000

pids=()
for i in $(seq 1 20); do
  printf '{"alias": "z%s", "nics": [{"nic_tag": "lan"}]}\n' "$i" | zoneadm create -f - >"$ZK_TMP/c$i.out" 2>"$ZK_TMP/c$i.err" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || zk_fail "a parallel create failed: $(cat "$ZK_TMP"/c*.err)"; done

zoneadm list -H -p -o alias,ip,mac > "$ZK_TMP/list"
expect_eq "$(wc -l < "$ZK_TMP/list")" 20 "zones"
expect_eq "$(cut -d: -f2 "$ZK_TMP/list" | sort -u | wc -l)" 20 "distinct IPs"
expect_eq "$(sed 's/\\:/-/g' "$ZK_TMP/list" | cut -d: -f3 | sort -u | wc -l)" 20 "distinct MACs"
expect_eq "$(cut -d: -f2 "$ZK_TMP/list" | sort -t. -k4 -n | tr '\n' ' ')" \
  "$(for i in $(seq 10 29); do printf '10.77.0.%s ' $i; done)" "the whole range, nothing outside it"

# nicadm show: one allocation per zone, with the zone's IP and MAC
nicadm show lan > "$ZK_TMP/show"
for i in 1 7 20; do
  ip=$(zk_ip z$i) mac=$(zk_mac z$i)
  grep "z$i " "$ZK_TMP/show" | grep -F "$ip" | grep -qF "$mac" || { cat "$ZK_TMP/show" >&2; zk_fail "nicadm show lacks z$i $ip $mac"; }
done
expect_eq "$(grep -c '10\.77\.0\.' "$ZK_TMP/show")" 20 "allocations shown"

# full pool: clear error, nothing created
rc=0
echo '{"alias": "extra", "nics": [{"nic_tag": "lan"}]}' | zoneadm create -f - 2>"$ZK_TMP/err" || rc=$?
expect_eq "$rc" 1 "exit of create on a full pool"
expect_contains "$ZK_TMP/err" "no free address"
expect_eq "$(zoneadm list -H -o alias | wc -l)" 20 "zones after the refused create"
[ ! -d "$ZONEKIT_ROOT/zones" ] || expect_eq "$(ls "$ZONEKIT_ROOT/zones" | wc -l)" 20 "zone dirs after the refused create"

# a few of them boot and reach each other and the gateway
for i in 1 2 3; do expect_rc 0 zoneadm boot z$i; done
for i in 2 3; do
  zk_listen_zone z1 5000 "$ZK_TMP/recv"
  zk_send z$i "$(zk_ip z1)" 5000 "from-z$i" || zk_fail "z$i -> z1"
  zk_wait_listener
  expect_eq "$(cat "$ZK_TMP/recv")" "from-z$i" "data z$i -> z1"
done
zk_listen_host 6000 "$ZK_TMP/gw"
zk_send z3 10.77.0.1 6000 gw || zk_fail "z3 -> gateway"
zk_wait_listener
expect_eq "$(cat "$ZK_TMP/gw")" gw "data z3 -> gateway"

# the tag is in use
expect_rc 1 nicadm delete lan
expect_contains "$ZK_TMP/err" "nic tag lan is in use by"
nicadm list -H -o name | grep -qx lan || zk_fail "tag lost after refused delete"

# freeing one address lets the next create have it
expect_rc 0 zoneadm delete z7
freed=$(grep "z7 " "$ZK_TMP/show" | grep -o '10\.77\.0\.[0-9]*' | head -1)
echo '{"alias": "late", "nics": [{"nic_tag": "lan"}]}' | zoneadm create -f - >/dev/null || zk_fail "create after a delete"
expect_eq "$(zk_ip late)" "$freed" "the freed address is reused"

for a in $(zoneadm list -H -o alias); do expect_rc 0 zoneadm delete "$a"; done
zk_assert_no_leftovers
expect_rc 0 nicadm delete lan
expect_eq "$(nicadm list -H -o name)" "" "tags after delete"
