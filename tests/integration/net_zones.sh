#!/usr/bin/env bash
# Two zones on one nic tag: TCP between them and to the gateway, ping, and
# IP/MAC kept across halt/boot, a SIGKILLed zoneadmd (the zones run on) and a simulated host
# reboot (zoneadm boot --autoboot); nothing left after delete.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/netzone.sh"
# ICMP from zones goes through the unprivileged ICMP socket (zones lack
# CAP_NET_RAW): iputils ping uses it, Debian busybox ping does not.
[ -x /usr/bin/ping ] || zk_fail "iputils-ping is needed (apt-get install iputils-ping)"

HOST_PGR=$(cat /proc/sys/net/ipv4/ping_group_range)
# The host is shielded from zones by default (net_shield.sh); this test
# opens the listener port and ping to show the gateway is reachable.
expect_rc 0 nicadm add lan --bridge zkbr0 --subnet 10.66.0.0/24 --gateway 10.66.0.1 --host-access tcp/6000,ping
zk_net_create z1 >/dev/null
zk_net_create z2 >/dev/null
expect_rc 0 zoneadm boot z1
expect_rc 0 zoneadm boot z2
IP1=$(zk_ip z1) IP2=$(zk_ip z2) MAC1=$(zk_mac z1) MAC2=$(zk_mac z2)
[ "$IP1" != "$IP2" ] || zk_fail "both zones got $IP1"
case $IP1 in 10.66.0.*) ;; *) zk_fail "z1 ip $IP1 outside the subnet" ;; esac

# What the zone sees is what the store says.
snapshot() {
  echo "$(zoneadm list -H -p -o alias,ip,mac -s alias)"
  echo "z1 $(zk_inside z1 net0)"
  echo "z2 $(zk_inside z2 net0)"
}
expect_eq "$(zk_inside z1 net0)" "$MAC1 $IP1/24" "z1 net0 inside"
expect_eq "$(zk_inside z2 net0)" "$MAC2 $IP2/24" "z2 net0 inside"
expect_eq "$(zlogin z1 ip -4 route show default)" "default via 10.66.0.1 dev net0 " "z1 default route"
BASE=$(snapshot)

traffic() {   # $1: label
  zk_listen_zone z1 5000 "$ZK_TMP/recv"
  zk_send z2 "$IP1" 5000 "hi-$1" || zk_fail "$1: z2 -> z1 TCP failed"
  zk_wait_listener
  expect_eq "$(cat "$ZK_TMP/recv")" "hi-$1" "$1: data z2 -> z1"
  local z
  for z in z1 z2; do
    zk_listen_host 6000 "$ZK_TMP/gw"
    zk_send $z 10.66.0.1 6000 "gw-$z" || zk_fail "$1: $z -> gateway TCP failed"
    zk_wait_listener
    expect_eq "$(cat "$ZK_TMP/gw")" "gw-$z" "$1: data $z -> gateway"
    zlogin $z ping -c1 -W2 10.66.0.1 >"$ZK_TMP/ping" 2>&1 || { cat "$ZK_TMP/ping" >&2; zk_fail "$1: ping from $z"; }
  done
  zlogin z2 ping -c1 -W2 "$IP1" >/dev/null 2>&1 || zk_fail "$1: ping z2 -> z1"
}
traffic first-boot
# the unprivileged ICMP range is set in the zone's netns only
expect_eq "$(nsenter --net=/proc/$(zk_init_pid z1)/ns/net cat /proc/sys/net/ipv4/ping_group_range)" \
  "$(printf '0\t2147483647')" "ping_group_range in the zone's netns"
expect_eq "$(cat /proc/sys/net/ipv4/ping_group_range)" "$HOST_PGR" "host ping_group_range"

# halt + boot
expect_rc 0 zoneadm halt z1
expect_rc 0 zoneadm halt z2
expect_rc 0 zoneadm boot z1
expect_rc 0 zoneadm boot z2
expect_eq "$(snapshot)" "$BASE" "after halt/boot"
traffic halt-boot

# SIGKILL of zoneadmd, then boot
for z in z1 z2; do
  pid=$(zk_zoneadmd_pid $z)
  [ -n "$pid" ] || zk_fail "no zoneadmd pid for $z"
  kill -KILL "$pid"
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
done
# The zones run on, unsupervised (hard_adopt.sh goes further): their
# traffic flows before any zonekit command adopts them.
expect_eq "$(zoneadm list -H -p -o alias,state,supervisor -s alias)" "$(printf 'z1:running:none\nz2:running:none')" "unsupervised zones"
traffic unsupervised
expect_rc 0 zoneadm boot z1
cat "$ZK_TMP/out" "$ZK_TMP/err" | grep -q "z1 is already running" || zk_fail "boot of an unsupervised zone: $(cat "$ZK_TMP/err")"
expect_rc 0 zoneadm boot z2
expect_eq "$(zoneadm list -H -p -o alias,state,supervisor -s alias)" "$(printf 'z1:running:running\nz2:running:running')" "adopted zones"
expect_eq "$(snapshot)" "$BASE" "after SIGKILL of zoneadmd"
traffic zoneadmd-killed

# Simulated host reboot: every zone process killed, every zone veth, table
# and cgroup gone, the runtime dir wiped; then boot --autoboot.
pids=""
for z in z1 z2; do pids="$pids $(zk_zoneadmd_pid $z) $(zk_init_pid $z) $(zk_keeper_pid $z)"; done
kill -KILL $pids
for p in $pids; do for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done; done
for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^zk' | grep -v '^zkbr'); do
  ip link del "$l" 2>/dev/null || true
done
nft list tables | awk '$3 ~ /^zk_/ {print $2, $3}' | while read -r f t; do nft delete table "$f" "$t"; done
for d in $(zk_cgroup_dirs); do
  p=$(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
  [ -z "$p" ] || kill -KILL $p
  sleep 0.2
  find "$d" -mindepth 1 -depth -type d -exec rmdir {} \;
done
ip link del zkbr0   # a real reboot loses the bridge too
rm -rf "$ZONEKIT_RUN"
mkdir -p "$ZONEKIT_RUN"
zk_assert_no_leftovers
expect_rc 0 zoneadm boot --autoboot
expect_eq "$(zoneadm list -H -o alias,state -s alias | tr -s ' ')" "$(printf 'z1 running\nz2 running')" "states after boot --autoboot"
expect_eq "$(snapshot)" "$BASE" "after host reboot"
traffic host-reboot

# delete leaves no link and no table (the bridge stays)
expect_rc 0 zoneadm delete z1
expect_rc 0 zoneadm delete z2
zk_assert_no_leftovers
ip link show zkbr0 >/dev/null || zk_fail "the bridge went away"
