#!/bin/sh
# crun's "boot": create + start of an already-made bundle (init: sleep).
set -e
crun --root="$BENCH_CRUN_ROOT" --cgroup-manager=cgroupfs create --bundle "$BENCH_CRUN_SLEEP" "${BENCH_CRUN_PREFIX}boot" </dev/null >/dev/null
crun --root="$BENCH_CRUN_ROOT" --cgroup-manager=cgroupfs start "${BENCH_CRUN_PREFIX}boot"
