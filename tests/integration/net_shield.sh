#!/usr/bin/env bash
# The host's own stack is shielded from zones by default, on every host
# address (v4 and v6): a zone cannot open a TCP connection to a listener on
# the bridge's address, on another interface's address, on 0.0.0.0 or on
# the bridge's IPv6 link-local address. It still resolves its gateway (ARP,
# neighbour discovery), reaches other zones, and answers the host. The tag
# opens it: --host-access with services (on the bridge's addresses only),
# or all.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"
command -v cc >/dev/null || { echo "SKIP: no C compiler for the probe" >&2; exit 77; }
mkdir -p "$ZK_TMP/probe"
cc -O -o "$ZK_TMP/probe/net_probe" "$ZK_SOURCE/tests/integration/probe/net_probe.c"
PROBE_FS="\"filesystems\": [{\"type\": \"lofs\", \"source\": \"$ZK_TMP/probe\", \"target\": \"/opt/probe\", \"options\": [\"ro\"]}],"

GW=10.66.0.1 OTHER=192.0.2.1
expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.66.0.0/24 --gateway $GW
# another host address, on another interface (a veth: this kernel may
# have no dummy driver)
ip link add other0 type veth peer name other1
ip addr add $OTHER/24 dev other0
ip link set other0 up
ip link set other1 up
zk_net_create z1 "$PROBE_FS" >/dev/null
zk_net_create z2 "$PROBE_FS" >/dev/null
expect_rc 0 zoneadm boot z1
expect_rc 0 zoneadm boot z2
IP1=$(zk_ip z1) IP2=$(zk_ip z2)

no_tentative() {   # no_tentative CMD...: wait until the link-local address is usable
  local i
  for i in $(seq 1 60); do
    "$@" | grep -q 'scope link' && ! "$@" | grep -q tentative && return 0
    sleep 0.1
  done
  zk_fail "no usable link-local address: $*"
}
no_tentative ip -6 addr show dev zkbr0 scope link
no_tentative zlogin z1 ip -6 addr show dev net0 scope link
BRLL=$(ip -6 -o addr show dev zkbr0 scope link | awk '{print $4}' | cut -d/ -f1)

# host_listen ADDR PORT: a one-shot listener of the test's netns (the host)
host_listen() {
  HOST_OUT="$ZK_TMP/listen.$2"
  "$ZK_TMP/probe/net_probe" listen "$1" "$2" 10 >"$HOST_OUT" 2>&1 &
  HOST_LISTENER=$!
  local i
  for i in $(seq 1 50); do grep -q listening "$HOST_OUT" && return 0; sleep 0.1; done
  cat "$HOST_OUT" >&2
  zk_fail "host listener on $1 port $2"
}
host_listen_end() { kill "$HOST_LISTENER" 2>/dev/null || true; wait "$HOST_LISTENER" 2>/dev/null || true; }
# connect_from ZONE ADDR PORT: what the probe in the zone says
connect_from() { zlogin "$1" /opt/probe/net_probe connect "$2" "$3" 1500 2>&1 || true; }
# denied LISTEN_ADDR CONNECT_ADDR PORT: the zone's SYN is dropped (a timeout, no RST)
denied() {
  host_listen "$1" "$3"
  expect_eq "$(connect_from z1 "$2" "$3")" "failed: ETIMEDOUT" "z1 -> host $2 port $3 (listening on $1)"
  host_listen_end
}
# allowed LISTEN_ADDR CONNECT_ADDR PORT
allowed() {
  host_listen "$1" "$3"
  expect_eq "$(connect_from z1 "$2" "$3")" connected "z1 -> host $2 port $3 (listening on $1)"
  wait "$HOST_LISTENER" || true
  expect_contains "$HOST_OUT" "from "
}
drops() { nft list counter inet zonekit input_drop | awk '/packets/ {print $2}'; }

# --- default: nothing of the host ------------------------------------------
before=$(drops)
denied $GW $GW 7001                       # the bridge's address
denied $OTHER $OTHER 7002                 # another interface's address
denied 0.0.0.0 $GW 7003                   # 0.0.0.0 listener, via the gateway
denied 0.0.0.0 $OTHER 7003                # ... and via the other address
denied "$BRLL%zkbr0" "$BRLL%net0" 7004    # the bridge's IPv6 link-local
denied :: "$BRLL%net0" 7005               # :: listener, over IPv6
[ "$(drops)" -gt "$before" ] || zk_fail "input_drop did not count the dropped SYNs"
! zlogin z1 ping -c1 -W1 $GW >/dev/null 2>&1 || zk_fail "ping to the host got through"

# the gateway's MAC is still resolved (ARP, and IPv6 neighbour discovery)
BRMAC=$(ip -o link show zkbr0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
zlogin z1 ip neigh show $GW | grep -q "lladdr $BRMAC" || zk_fail "z1 has no ARP entry for the gateway: $(zlogin z1 ip neigh)"
zlogin z1 ip -6 neigh show "$BRLL" dev net0 | grep -q "lladdr $BRMAC" ||
  zk_fail "z1 did not resolve the bridge's link-local: $(zlogin z1 ip -6 neigh)"

# zones still reach each other, and the host reaches zones (answers pass)
zk_listen_zone z2 5000 "$ZK_TMP/recv"
zk_send z1 "$IP2" 5000 z1-to-z2 || zk_fail "z1 -> z2 TCP"
zk_wait_listener
expect_eq "$(cat "$ZK_TMP/recv")" z1-to-z2 "data z1 -> z2"
zk_listen_zone z1 5001 "$ZK_TMP/recv"
echo host-to-z1 | busybox nc -w 2 "$IP1" 5001 || zk_fail "host -> z1 TCP"
zk_wait_listener
expect_eq "$(cat "$ZK_TMP/recv")" host-to-z1 "data host -> z1"

# --- services: on the bridge's addresses only --------------------------------
expect_rc 0 nicadm update lan --host-access dns,tcp/7010-7011,ping
expect_eq "$(nicadm list -H -o host_access)" "dns,tcp/7010-7011,ping" "host_access listed"
allowed 0.0.0.0 $GW 53
denied 0.0.0.0 $OTHER 53                  # the service, but not on the bridge
allowed $GW $GW 7011
denied $GW $GW 7012                       # outside the range
denied "$BRLL%zkbr0" "$BRLL%net0" 7001
zlogin z1 ping -c1 -W2 $GW >/dev/null 2>&1 || zk_fail "ping to the gateway with host_access ping"

# --- all: the whole host stack, every address --------------------------------
expect_rc 0 nicadm update lan --host-access all
allowed $GW $GW 7001
allowed $OTHER $OTHER 7002
allowed "$BRLL%zkbr0" "$BRLL%net0" 7004

# --- none again ---------------------------------------------------------------
expect_rc 0 nicadm update lan --host-access none
expect_eq "$(nicadm list -j | jq -c '.[0].host_access')" '[]' "host_access after none"
denied $GW $GW 7001
denied $OTHER $OTHER 7002

# bad values are refused, naming the item
expect_rc 2 nicadm update lan --host-access tcp/99999
expect_contains "$ZK_TMP/err" 'host_access: "tcp/99999" is not a host service'
expect_rc 2 nicadm update lan --host-access all,dns
expect_contains "$ZK_TMP/err" '"all" stands alone'

# after a host reboot the policy comes back with the first zone's boot
for z in z1 z2; do expect_rc 0 zoneadm halt $z; done
nft delete table inet zonekit
nft delete table bridge zonekit
expect_rc 0 zoneadm boot z1
nft list table inet zonekit >/dev/null || zk_fail "boot did not restore the host policy"
denied $GW $GW 7001

for z in z1 z2; do expect_rc 0 zoneadm delete $z; done
zk_assert_no_leftovers
expect_rc 0 nicadm delete lan
ip link del other0
