#!/bin/sh
# One full crun cycle with a network, wired as CNI prescribes: a new named
# netns (a bind-mounted nsfs file), the CNI bridge plugin with host-local
# IPAM (CNI_COMMAND=ADD, config on stdin), `crun run` of /bin/true in that
# netns (foreground: crun deletes the container itself), CNI DEL, netns
# removed. Bundle: $BENCH_CRUN_BUNDLE (its netns path is $BENCH_NETNS_DIR/cyc).
set -e
ns="$BENCH_NETNS_DIR/cyc"
: >"$ns"
unshare --net="$ns" true
CNI_COMMAND=ADD CNI_CONTAINERID=cyc CNI_NETNS="$ns" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
  /usr/lib/cni/bridge <"$BENCH_CNI_CONF" >/dev/null
crun --root="$BENCH_CRUN_ROOT" --cgroup-manager=cgroupfs run --bundle "$BENCH_CRUN_BUNDLE" "${BENCH_CRUN_PREFIX}cyc"
CNI_COMMAND=DEL CNI_CONTAINERID=cyc CNI_NETNS="$ns" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
  /usr/lib/cni/bridge <"$BENCH_CNI_CONF" >/dev/null
umount "$ns"
rm -f "$ns"
