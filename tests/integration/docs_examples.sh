#!/usr/bin/env bash
# The EXAMPLES of zoneadm(8), zlogin(1), zonecfg(8) and nicadm(8) do what
# the pages say, with the output they show; completion follows the zone's
# state (running zones for halt, stopped ones for boot).
. "$(dirname "$0")/../lib/harness.sh"

# zoneadm(8)
uuid=$(printf 'alias: web01\nmax_physical_memory: 512\n' | zoneadm create)
expect_eq "$(zoneadm list)" "$(printf '%s\n%s' \
  'UUID                                  ALIAS  BRAND   RAM  STATE    IP' \
  "$uuid  web01  sparse  512  stopped  -")" "zoneadm list"
expect_eq "$(zoneadm __complete 2 zoneadm boot '')" web01 "boot candidates while stopped"
expect_eq "$(zoneadm __complete 2 zoneadm halt '')" "" "halt candidates while stopped"
zoneadm -z web01 boot
expect_eq "$(zlogin web01 uname -n)" web01 "zlogin web01 uname -n"
expect_eq "$(zoneadm list -p -o alias,state state=running)" web01:running "list -p"
expect_eq "$(zoneadm __complete 2 zoneadm halt '')" web01 "halt candidates while running"
expect_eq "$(zoneadm __complete 2 zoneadm boot '')" "" "boot candidates while running"
zoneadm update web01 max_physical_memory=1024 2>/dev/null
expect_eq "$(zoneadm list -j -o alias,ram -s -ram alias=~^web | tr -d ' \n')" '[{"alias":"web01","ram":1024}]' "list -j"

# zlogin(1)
rc=0
out=$(zlogin -e GREETING=hello web01 sh -c 'echo $GREETING; exit 3') || rc=$?
expect_eq "$out" hello "zlogin -e"
expect_eq "$rc" 3 "zlogin exit status"
expect_eq "$(zlogin -T -l nobody web01 id -un </dev/null)" nobody "zlogin -l nobody"
zoneadm halt web01
expect_eq "$(zoneadm list -H -o state alias=web01)" stopped "state after halt"

# zonecfg(8)
cd "$ZK_TMP"
zonecfg template >web01.yaml
expect_eq "$(zonecfg validate web01.yaml 2>&1)" "zonecfg: web01.yaml: valid" "zonecfg validate"
expect_eq "$(printf 'alias: web01\n' | zonecfg convert --to json -)" $'{\n  "alias": "web01"\n}' "zonecfg convert"
zonecfg export --to yaml web01 >exported.yaml
expect_contains exported.yaml "uuid: $uuid"

# nicadm(8)
nicadm add --bridge zk0 --subnet 10.88.0.0/24 --gateway 10.88.0.1 \
  --range 10.88.0.10-10.88.0.250 --nat internal
expect_eq "$(nicadm list -o name,bridge,subnet,nat)" "$(printf '%s\n%s' \
  'NAME      BRIDGE  SUBNET        NAT' 'internal  zk0     10.88.0.0/24  true')" "nicadm list"
expect_eq "$(nicadm show -p -o zone,ip internal)" "" "nicadm show"
nicadm delete internal
zoneadm delete web01
