#!/bin/sh
# Start density container $1 with crun: detached `crun run -d` (init: sleep,
# own netns with lo), then wire eth0 into the bridge with the CNI bridge
# plugin + host-local IPAM, CNI_NETNS being the init's netns.
set -e
id="${BENCH_CRUN_PREFIX}d$1"
crun --root="$BENCH_CRUN_ROOT" --cgroup-manager=cgroupfs run -d --pid-file "$BENCH_TMP/pids/$1" \
  --bundle "$BENCH_CRUN_SLEEP" "$id" </dev/null >/dev/null
pid=$(cat "$BENCH_TMP/pids/$1")
CNI_COMMAND=ADD CNI_CONTAINERID="$id" CNI_NETNS="/proc/$pid/ns/net" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
  /usr/lib/cni/bridge <"$BENCH_CNI_CONF" >/dev/null
