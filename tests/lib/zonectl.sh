# Helpers for runtime integration tests (source after harness.sh).
ZK_ZONEADMD="$ZK_BUILD/libexec/zonekit/zoneadmd"

# zk_write_spec UUID K [init...]: write $ZONEKIT_RUN/zones/UUID/spec.json for
# a sparse zone with uid range 1000000+65536*K. Extra JSON members come from
# ZK_SPEC_EXTRA (e.g. '"filesystems":[...],'); the brand is sparse unless
# ZK_SPEC_EXTRA names it ('"brand":"image","image_rootfs":"/x",').
zk_write_spec() {
  local uuid=$1 k=$2; shift 2
  local run="$ZONEKIT_RUN/zones/$uuid" zd="$ZONEKIT_ROOT/zones/$uuid"
  local base=$((1000000 + 65536 * k)) argv="" a
  for a in "$@"; do argv="$argv${argv:+,}\"$a\""; done
  mkdir -p "$run" "$zd"
  printf '{"uuid":"%s","name":"z%s","hostname":"%s","dns_domain":"example.test",
"zone_dir":"%s","run_dir":"%s","cgroup_path":"%s/%s","ids":{"host_base":%d,"count":65536},
"limits":{"memory_bytes":%d,"swap_bytes":%d,"pids_max":%d},"tmpfs_bytes":16777216,
%s"init_argv":[%s],"restart_init":%s,"resolvers":["192.0.2.53"]}\n' \
    "$uuid" "$k" "${ZK_HOSTNAME:-zone$k}" "$zd" "$run" "$ZONEKIT_CGROUP_PARENT" "$uuid" "$base" \
    "${ZK_MEM:-268435456}" "${ZK_MEM:-268435456}" "${ZK_PIDS:-200}" "${ZK_SPEC_EXTRA:-}" "$argv" \
    "${ZK_RESTART:-false}" >"$run/spec.json"
  echo "$run"
}

zk_state() { sed -n 's/.*"state": *"\([a-z_]*\)".*/\1/p' "$1/state.json"; }
zk_field() { sed -n "s/.*\"$2\": *\([0-9-]*\).*/\1/p" "$1/state.json"; }

# zk_cg_dirs UUID: the zone's cgroup directories that exist (any hierarchy).
zk_cg_dirs() {
  local h
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [ -d "$h$ZONEKIT_CGROUP_PARENT/$1" ] && echo "$h$ZONEKIT_CGROUP_PARENT/$1"
  done
  return 0
}

# zk_wait_gone PID [tries]: wait until PID no longer exists.
zk_wait_gone() {
  local i
  for i in $(seq 1 "${2:-100}"); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.05
  done
  return 1
}

# zk_assert_clean UUID RUN: nothing of the zone remains on the host.
zk_assert_clean() {
  [ -z "$(zk_cg_dirs "$1")" ] || zk_fail "cgroup of $1 remains: $(zk_cg_dirs "$1")"
  ! grep -qs -- "$2/root" /proc/[0-9]*/mountinfo || zk_fail "a mount namespace of $1 remains"
  [ ! -e "$2/ctl.sock" ] || zk_fail "ctl.sock of $1 remains"
  [ ! -e "$2/keeper.sock" ] || zk_fail "keeper.sock of $1 remains"
}
