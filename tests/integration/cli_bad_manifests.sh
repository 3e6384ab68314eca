#!/usr/bin/env bash
# A table of bad manifests: each is refused with exit 2, the message names
# the field, and the store is left byte-for-byte unchanged.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/store_snapshot.sh"

cat > "$ZONEKIT_CONFIG" <<'TOML'
[nic_tags.lan]
bridge = "zkbr0"
subnet = "10.77.0.0/24"
gateway = "10.77.0.1"
TOML
# One good zone so that conflicts have something to conflict with.
good=$(zoneadm create -f - <<'JSON'
{"alias": "taken", "nics": [{"nic_tag": "lan", "ips": ["10.77.0.9/24"], "mac": "02:00:00:00:00:09"}]}
JSON
)
[ -n "$good" ] || zk_fail "setup create failed"
before=$(store_snapshot "$ZONEKIT_ROOT")

n=0
# Each case: the text the error must contain | the manifest.
while IFS='|' read -r want manifest; do
  [ -z "$want" ] && continue
  n=$((n + 1))
  rc=0
  printf '%s\n' "$manifest" | zoneadm create -f - >"$ZK_TMP/out" 2>"$ZK_TMP/err" || rc=$?
  [ "$rc" = 2 ] || { cat "$ZK_TMP/err"; zk_fail "case $n ($want): exit $rc, expected 2"; }
  grep -qF -- "$want" "$ZK_TMP/err" || { cat "$ZK_TMP/err"; zk_fail "case $n: message lacks '$want'"; }
  [ ! -s "$ZK_TMP/out" ] || zk_fail "case $n: printed on stdout"
  after=$(store_snapshot "$ZONEKIT_ROOT")
  [ "$before" == "$after" ] || zk_fail "case $n ($want): store changed"
done <<'CASES'
nics[0].ips[0]|{"nics": [{"nic_tag": "lan", "ips": ["10.77.0.300/24"]}]}
nics[0].ip|{"nics": [{"nic_tag": "lan", "ip": "10.0.0.300", "netmask": "255.255.255.0"}]}
nics[0].mac|{"nics": [{"nic_tag": "lan", "mac": "zz:00:00:00:00:00"}]}
nics[0].mac|{"nics": [{"nic_tag": "lan", "mac": "01:00:5e:00:00:01"}]}
nics[0].mtu|{"nics": [{"nic_tag": "lan", "mtu": 100000}]}
nics[0].vlan_id|{"nics": [{"nic_tag": "lan", "vlan_id": 5000}]}
nics[0].nic_tag|{"nics": [{"nic_tag": "nosuchtag"}]}
nics[0].nic_tag|{"nics": [{"ips": ["10.77.0.5/24"]}]}
nics[0].ips[0]|{"nics": [{"nic_tag": "lan", "ips": ["dhcp"]}]}
nics[0].ips[0]|{"nics": [{"nic_tag": "lan", "ips": ["10.77.0.9/24"]}]}
nics[0].ips[0]|{"nics": [{"nic_tag": "lan", "ips": ["10.1.0.9/24"]}]}
nics[0].mac|{"nics": [{"nic_tag": "lan", "mac": "02:00:00:00:00:09"}]}
nics[0].gateways[0]|{"nics": [{"nic_tag": "lan", "gateways": ["not-an-ip"]}]}
max_physical_memory|{"max_physical_memory": -5}
max_physical_memory|{"max_physical_memory": "lots"}
max_physical_memory|{"max_physical_memory": 1.5}
max_phisical_memory|{"max_phisical_memory": 512}
max_lwps|{"max_lwps": 18446744073709551616}
max_locked_memory|{"max_physical_memory": 256, "max_locked_memory": 1024}
cpu_cap|{"cpu_cap": -1}
hostname|{"hostname": "bad_host!"}
hostname|{"hostname": "a-very-long-label-that-is-far-more-than-sixty-three-characters-long-x"}
alias|{"alias": "taken"}
alias|{"alias": "-dash"}
brand|{"brand": "kvm"}
brand|{"brand": "bhyve"}
brand|{"brand": "nonsense"}
uuid|{"uuid": "not-a-uuid"}
autoboot|{"autoboot": "yes please"}
filesystems[0].target|{"filesystems": [{"type": "lofs", "source": "/usr", "target": "../etc"}]}
filesystems[0].target|{"filesystems": [{"type": "lofs", "source": "/usr", "target": "/proc/x"}]}
filesystems[0].source|{"filesystems": [{"type": "lofs", "source": "relative", "target": "/data"}]}
resolvers[0]|{"resolvers": ["8.8.8"]}
routes|{"routes": {"10.0.0.0/8": "nonsense gw"}}
image_uuid|{"brand": "joyent", "image_uuid": "11111111-2222-4333-8444-555555555555"}
tags|{"tags": "not-an-object"}
1:|{"alias": "x",
1:|[1, 2
CASES
[ "$n" -ge 25 ] || zk_fail "only $n cases"
echo "$n bad manifests refused, store unchanged"
