# Helpers for zone network integration tests (source after harness.sh).

# zk_net_create ALIAS [EXTRA_JSON_MEMBERS] [NIC_EXTRA]: create a zone on tag
# lan (address allocated) with autoboot; prints its uuid.
zk_net_create() {
  local alias=$1 extra=${2:-} nic=${3:-}
  printf '{"alias": "%s", "autoboot": true, %s "nics": [{"nic_tag": "lan" %s}]}\n' "$alias" "$extra" "$nic" |
    zoneadm create -f - || zk_fail "create $alias"
}
zk_uuid() { zoneadm get "$1" | jq -r .uuid; }
zk_ip() { zoneadm get "$1" | jq -r '.nics[0].ips[0]' | cut -d/ -f1; }
zk_mac() { zoneadm get "$1" | jq -r '.nics[0].mac'; }
zk_table() { echo "zk_$(zk_uuid "$1" | tr -d - | cut -c1-10)"; }
# zk_counter ZONE NAME: packets counted by the zone's anti-spoofing counter.
# Read from the table, not with `nft list counter`: nft 1.0.6 fills a cache of
# every table for that, which takes minutes with a thousand zone tables.
zk_counter() {
  nft list table netdev "$(zk_table "$1")" |
    awk -v n="$2" '$1 == "counter" && $2 == n { f = 1; next } f && /packets/ { print $2; exit }'
}
# zk_unfiltered: frames from zone ports the guard dropped (they missed their filter).
zk_unfiltered() { nft list counter bridge zonekit_guard unfiltered | awk '/packets/ {print $2}'; }
# zk_inside ZONE IFACE: "MAC IP/PREFIX" of the zone's interface, as the zone sees it.
zk_inside() {
  local mac addr
  mac=$(zlogin "$1" ip -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  addr=$(zlogin "$1" ip -o -4 addr show "$2" | awk '{print $4}' | tr '\n' ' ')
  echo "$mac ${addr% }"
}
zk_zoneadmd_pid() { sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$(zk_uuid "$1")/state.json"; }
zk_keeper_pid() { sed -n 's/.*"keeper_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$(zk_uuid "$1")/state.json"; }
zk_init_pid() { sed -n 's/.*"init_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$(zk_uuid "$1")/state.json"; }

# busybox nc exits as soon as its stdin ends, which would race the data it
# is to receive: listeners read a fifo the test holds open on fd 7 until
# zk_wait_listener.
zk_hold_stdin() {
  rm -f "$ZK_TMP/hold"
  mkfifo "$ZK_TMP/hold"
  "$@" <"$ZK_TMP/hold" &
  ZK_LISTENER=$!
  exec 7>"$ZK_TMP/hold"
}
# zk_wait_listener: the listener got its connection and ended.
zk_wait_listener() {
  local i
  for i in $(seq 1 100); do kill -0 "$ZK_LISTENER" 2>/dev/null || break; sleep 0.05; done
  exec 7>&-
  kill "$ZK_LISTENER" 2>/dev/null || true
  wait "$ZK_LISTENER" 2>/dev/null || true
}

# zk_listen_zone ZONE PORT OUT: a one-shot TCP listener in the zone writing
# what it receives to OUT; waits until it listens.
zk_listen_zone() {
  local hex i
  hex=$(printf '%04X' "$2")
  zk_hold_stdin sh -c "exec zlogin $1 busybox nc -l -p $2 >$3 2>/dev/null"
  for i in $(seq 1 50); do
    zlogin "$1" cat /proc/net/tcp /proc/net/tcp6 | awk '{print $2, $4}' | grep -q ":$hex 0A" && return 0
    sleep 0.1
  done
  zk_fail "listener in $1 on port $2 did not come up"
}
# zk_listen_host PORT OUT: the same in the test's netns (the "host").
zk_listen_host() {
  local hex i
  hex=$(printf '%04X' "$1")
  zk_hold_stdin sh -c "exec busybox nc -l -p $1 >$2 2>/dev/null"
  for i in $(seq 1 50); do
    awk '{print $2, $4}' /proc/net/tcp /proc/net/tcp6 | grep -q ":$hex 0A" && return 0
    sleep 0.1
  done
  zk_fail "host listener on port $1 did not come up"
}
# zk_send ZONE IP PORT TEXT: TCP from the zone; returns nc's status.
zk_send() { zlogin "$1" sh -c "echo $4 | busybox nc -w 2 $2 $3"; }

# zk_assert_no_leftovers: no zone host link and no zone table in this netns.
zk_assert_no_leftovers() {
  local links tables
  links=$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^zk' | grep -v '^zkbr' || true)
  tables=$(nft list tables | grep ' zk_' || true)
  [ -z "$links" ] || zk_fail "zone links remain: $links"
  [ -z "$tables" ] || zk_fail "zone tables remain: $tables"
}
