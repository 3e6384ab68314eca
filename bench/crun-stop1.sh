#!/bin/sh
# Stop density container $1: CNI DEL, then `crun delete -f`.
id="${BENCH_CRUN_PREFIX}d$1"
pid=$(cat "$BENCH_TMP/pids/$1")
CNI_COMMAND=DEL CNI_CONTAINERID="$id" CNI_NETNS="/proc/$pid/ns/net" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
  /usr/lib/cni/bridge <"$BENCH_CNI_CONF" >/dev/null
crun --root="$BENCH_CRUN_ROOT" --cgroup-manager=cgroupfs delete -f "$id"
