#!/usr/bin/env bash
# 20 creates in parallel from one pool give 20 distinct IPs, MACs and id
# ranges; a full pool refuses cleanly; 10 creates of one alias: one wins.
. "$(dirname "$0")/../lib/harness.sh"

cat > "$ZONEKIT_CONFIG" <<'TOML'
[nic_tags.lan]
bridge = "zkbr0"
subnet = "10.77.0.0/24"
gateway = "10.77.0.1"
range = "10.77.0.10-10.77.0.29"
TOML

pids=()
for i in $(seq 1 20); do
  printf '{"alias": "z%s", "nics": [{"nic_tag": "lan"}]}\n' "$i" | zoneadm create -f - >"$ZK_TMP/c$i.out" 2>"$ZK_TMP/c$i.err" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || zk_fail "a parallel create failed: $(cat "$ZK_TMP"/c*.err)"; done

zoneadm list -H -p -o alias,ip,mac,uid_base > "$ZK_TMP/list"
expect_eq "$(wc -l < "$ZK_TMP/list")" 20 "zones"
expect_eq "$(cut -d: -f2 "$ZK_TMP/list" | sort -u | wc -l)" 20 "distinct IPs"
expect_eq "$(sed 's/\\:/-/g' "$ZK_TMP/list" | cut -d: -f3 | sort -u | wc -l)" 20 "distinct MACs"
expect_eq "$(sed 's/\\:/-/g' "$ZK_TMP/list" | cut -d: -f4 | sort -u | wc -l)" 20 "distinct id ranges"

# The pool (20 addresses) is full now: a clear error, nothing created.
rc=0
echo '{"alias": "extra", "nics": [{"nic_tag": "lan"}]}' | zoneadm create -f - 2>"$ZK_TMP/err" || rc=$?
expect_eq "$rc" 1 "exit of create on a full pool"
expect_contains "$ZK_TMP/err" "no free address"
expect_eq "$(zoneadm list -H -o alias | wc -l)" 20 "zones after the refused create"

# Ten creates of one name: exactly one wins.
pids=()
for i in $(seq 1 10); do
  echo '{"alias": "same"}' | zoneadm create -f - >"$ZK_TMP/s$i.out" 2>/dev/null &
  pids+=($!)
done
wins=0
for p in "${pids[@]}"; do wait "$p" && wins=$((wins + 1)); done
expect_eq "$wins" 1 "winners of ten creates of one alias"
expect_eq "$(zoneadm list -H -o alias alias=same | wc -l)" 1 "zones named same"
