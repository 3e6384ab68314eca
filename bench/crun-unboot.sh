#!/bin/sh
# Undo crun-boot.sh (not timed): kill, then delete the container.
crun --root="$BENCH_CRUN_ROOT" --cgroup-manager=cgroupfs delete -f "${BENCH_CRUN_PREFIX}boot" >/dev/null 2>&1
exit 0
