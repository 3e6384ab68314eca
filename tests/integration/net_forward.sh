#!/usr/bin/env bash
# Forwarding of zone traffic by the host. Two tags, a (never NATed) and b;
# an "external host" in a namespace of the test's own, with a route back to
# both subnets (so only the host's filter can stop a zone reaching it):
#  - b --nat: ip_forward goes on (zonekit records that it did); zb reaches
#    the external host masqueraded, but not a's zones; za reaches neither
#    b's zones nor the external host
#  - a --forward b: za reaches zb with its own address; zb still not za
#  - a --forward world: za reaches the external host with its own address
#  - --no-nat and --forward none: ip_forward back to what zonekit found; an
#    admin's ip_forward=1 is left alone
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"
command -v cc >/dev/null || { echo "SKIP: no C compiler for the probe" >&2; exit 77; }
mkdir -p "$ZK_TMP/probe"
cc -O -o "$ZK_TMP/probe/net_probe" "$ZK_SOURCE/tests/integration/probe/net_probe.c"
PROBE="$ZK_TMP/probe/net_probe"
PROBE_FS="\"filesystems\": [{\"type\": \"lofs\", \"source\": \"$ZK_TMP/probe\", \"target\": \"/opt/probe\", \"options\": [\"ro\"]}],"

# The external host: its own network namespace, 198.51.100.2, routes back.
unshare --net sleep 1000 </dev/null >/dev/null 2>&1 &
EXT=$!
stop_ext() { kill "$EXT" 2>/dev/null; }
ZK_EXTRA_CLEANUP=stop_ext
for i in $(seq 1 50); do [ "$(readlink /proc/$EXT/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.05; done
in_ext() { nsenter --net="/proc/$EXT/ns/net" "$@"; }
ip link add ext0h type veth peer name eth0 netns "$EXT"
ip addr add 198.51.100.1/24 dev ext0h
ip link set ext0h up
in_ext ip link set lo up
in_ext ip addr add 198.51.100.2/24 dev eth0
in_ext ip link set eth0 up
in_ext ip route add 10.66.0.0/15 via 198.51.100.1

expect_eq "$(cat /proc/sys/net/ipv4/ip_forward)" 0 "ip_forward of a fresh namespace"
expect_rc 0 nicadm add a --bridge zkbr0 --subnet 10.66.0.0/24 --gateway 10.66.0.1
expect_rc 0 nicadm add b --bridge zkbr1 --subnet 10.67.0.0/24 --gateway 10.67.0.1
printf '{"alias": "za", %s "nics": [{"nic_tag": "a"}]}\n' "$PROBE_FS" | zoneadm create -f - >/dev/null
printf '{"alias": "zb", %s "nics": [{"nic_tag": "b"}]}\n' "$PROBE_FS" | zoneadm create -f - >/dev/null
expect_rc 0 zoneadm boot za
expect_rc 0 zoneadm boot zb
IPA=$(zk_ip za) IPB=$(zk_ip zb)

# reach FROM_ZONE WHERE ADDR: "from PEER" as the listener saw it, or what
# the zone's connect said. WHERE: ext (the external host) or a zone. Each
# call listens on a port of its own (a listener nobody reached lingers
# until its timeout).
PORT=7100
reach() {
  PORT=$((PORT + 1))
  local out="$ZK_TMP/listen.$PORT" i pid said
  if [ "$2" == ext ]; then
    nsenter --net="/proc/$EXT/ns/net" "$PROBE" listen 0.0.0.0 $PORT 5 >"$out" 2>&1 &
  else
    zlogin "$2" /opt/probe/net_probe listen 0.0.0.0 $PORT 5 >"$out" 2>&1 &
  fi
  pid=$!
  for i in $(seq 1 50); do grep -q listening "$out" && break; sleep 0.1; done
  said=$(zlogin "$1" /opt/probe/net_probe connect "$3" $PORT 1500 2>&1 || true)
  if [ "$said" == connected ]; then
    wait $pid || true
    grep '^from' "$out"
  else
    echo "$said"
  fi
  kill $pid 2>/dev/null || true
}
fwd_drops() { nft list counter inet zonekit forward_drop | awk '/packets/ {print $2}'; }

# --- never forwarded without a tag saying so ----------------------------------
expect_eq "$(reach za ext 198.51.100.2)" "failed: ETIMEDOUT" "za -> external host, no tag forwards"

expect_rc 0 nicadm update b --nat
expect_eq "$(cat /proc/sys/net/ipv4/ip_forward)" 1 "ip_forward with a NAT tag"
expect_eq "$(cat "$ZONEKIT_RUN/ip_forward.before")" 0 "recorded ip_forward"
before=$(fwd_drops)
expect_eq "$(reach zb ext 198.51.100.2)" "from 198.51.100.1" "zb -> external host, masqueraded"
expect_eq "$(reach za ext 198.51.100.2)" "failed: ETIMEDOUT" "za (never NATed) -> external host"
expect_eq "$(reach za zb "$IPB")" "failed: ETIMEDOUT" "za -> zb across tags"
expect_eq "$(reach zb za "$IPA")" "failed: ETIMEDOUT" "zb (NAT: the world only) -> za"
[ "$(fwd_drops)" -gt "$before" ] || zk_fail "forward_drop did not count"

# --- one way to another tag ---------------------------------------------------
expect_rc 0 nicadm update a --forward b
expect_eq "$(reach za zb "$IPB")" "from $IPA" "za -> zb with a forwarding to b, own address"
expect_eq "$(reach zb za "$IPA")" "failed: ETIMEDOUT" "zb -> za: b does not forward to a"
expect_eq "$(reach za ext 198.51.100.2)" "failed: ETIMEDOUT" "za -> external host: b is not the world"
# unknown tags are refused
expect_rc 2 nicadm update a --forward nosuch
expect_contains "$ZK_TMP/err" 'nic tag a: forward: no nic tag "nosuch"'

# --- the world, without NAT ----------------------------------------------------
expect_rc 0 nicadm update a --forward world,b
expect_eq "$(nicadm list -H -p -o name,nat,forward)" "$(printf 'a:false:world,b\nb:true:')" "tags listed"
expect_eq "$(reach za ext 198.51.100.2)" "from $IPA" "za -> external host with forward world, own address"

# --- off again: forwarding as zonekit found it -----------------------------
# (and the NAT table versions before the host policy made for the tag goes)
nft add table ip zknat_b
expect_rc 0 nicadm update b --no-nat
nft list table ip zknat_b >/dev/null 2>&1 && zk_fail "--no-nat left the old NAT table zknat_b"
expect_eq "$(cat /proc/sys/net/ipv4/ip_forward)" 1 "ip_forward while a still forwards"
expect_eq "$(reach zb ext 198.51.100.2)" "failed: ETIMEDOUT" "zb -> external host after --no-nat"
expect_rc 0 nicadm update a --forward none
expect_eq "$(cat /proc/sys/net/ipv4/ip_forward)" 0 "ip_forward once no tag forwards"
[ ! -e "$ZONEKIT_RUN/ip_forward.before" ] || zk_fail "the ip_forward record stayed"
expect_eq "$(reach za ext 198.51.100.2)" "failed: ETIMEDOUT" "za -> external host after --forward none"

# the admin's forwarding is the admin's
echo 1 >/proc/sys/net/ipv4/ip_forward
expect_rc 0 nicadm update b --nat
[ ! -e "$ZONEKIT_RUN/ip_forward.before" ] || zk_fail "recorded an ip_forward zonekit did not change"
expect_rc 0 nicadm update b --no-nat
expect_eq "$(cat /proc/sys/net/ipv4/ip_forward)" 1 "the admin's ip_forward after --no-nat"
# ... and even so, nothing is forwarded that no tag allows
expect_eq "$(reach za ext 198.51.100.2)" "failed: ETIMEDOUT" "za -> external host, admin forwarding on"
expect_eq "$(reach za zb "$IPB")" "failed: ETIMEDOUT" "za -> zb, admin forwarding on"

for z in za zb; do expect_rc 0 zoneadm delete $z; done
zk_assert_no_leftovers
expect_rc 0 nicadm delete a
expect_rc 0 nicadm delete b
