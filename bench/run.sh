#!/usr/bin/env bash
# zonekit vs crun, side by side on this machine: latency (hyperfine),
# per-step times, fsyncs per operation, and density. Run as root from
# anywhere:
#
#   bench/run.sh [--quick] [--build DIR] [--out FILE] [--max-n N]
#                [--density-only] [--tags T] [--steps-only] [--step-runs N]
#
#   --quick    few runs and small N (finishes in under 3 minutes)
#   --build    zonekit build directory (default: <repo>/build)
#   --out      results file (default: bench/RESULTS.md; --quick and
#              --density-only: none unless given)
#   --max-n    largest zonekit density N (default 1000; --quick 10)
#   --steps-only  only the per-step times and fsyncs, both layouts
#   --step-runs   cycles per layout and brand for the per-step times
#              (default 20; --quick 5)
#   --density-only  only the zonekit density, straight at N = --max-n
#   --tags     spread the density zones over T nic tags, one bridge each
#              (default 1; a bridge takes at most 1023 ports, so 2000
#              zones need 2: --density-only --max-n 2000 --tags 2)
#
# Two layouts. The main one is the default of a real host: the store
# (ZONEKIT_ROOT) on the root file system, in a directory made under
# /var/tmp and removed at the end, the run dir (ZONEKIT_RUN) on a tmpfs;
# crun likewise gets its bundles and CNI's IPAM store on the root file
# system and its state (--root, /run/crun by default) on the tmpfs. The
# second puts everything on the tmpfs. Density and store size run on the
# main layout only.
# Everything happens inside a throwaway mount + network namespace made here:
# a unique ZONEKIT_CGROUP_PARENT, the bridges of both runtimes in the
# private netns. cgroup2 (hugetlb only on a hybrid
# host) is hidden under a tmpfs inside the private mount namespace, because
# crun refuses hybrid mode; zonekit uses the v1 hierarchies either way.
# Nothing is left on the host; no packet leaves the namespaces made here.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(dirname "$BENCH_DIR")
QUICK=0 BUILD=$SRC/build OUT="" MAX_N="" DENSITY_ONLY=0 TAGS=1 STEPS_ONLY=0 STEP_RUNS=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --build) BUILD=$(cd "$2" && pwd); shift ;;
    --out) OUT=$2; shift ;;
    --max-n) MAX_N=$2; shift ;;
    --density-only) DENSITY_ONLY=1 ;;
    --tags) TAGS=$2; shift ;;
    --steps-only) STEPS_ONLY=1 ;;
    --step-runs) STEP_RUNS=$2; shift ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root" >&2; exit 1; }
[ -x "$BUILD/bin/zoneadm" ] || { echo "run.sh: no zoneadm in $BUILD/bin (build first)" >&2; exit 1; }
case $TAGS in [1-9]) ;; *) echo "run.sh: --tags takes 1 to 9" >&2; exit 2 ;; esac
if [ -z "$OUT" ] && [ $QUICK = 0 ] && [ $DENSITY_ONLY = 0 ] && [ $STEPS_ONLY = 0 ]; then OUT=$BENCH_DIR/RESULTS.md; fi
case $OUT in ""|/*) ;; *) OUT=$PWD/$OUT ;; esac

# --- outside: packages, then re-exec in private namespaces --------------------
if [ -z "${BENCH_IN_NS:-}" ]; then
  need=()
  for p in crun hyperfine busybox-static containernetworking-plugins jq strace; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2
  fi
  export BENCH_IN_NS=1
  args=(--build "$BUILD"); [ $QUICK = 1 ] && args+=(--quick)
  [ -n "$OUT" ] && args+=(--out "$OUT"); [ -n "$MAX_N" ] && args+=(--max-n "$MAX_N")
  [ $DENSITY_ONLY = 1 ] && args+=(--density-only); args+=(--tags "$TAGS")
  [ $STEPS_ONLY = 1 ] && args+=(--steps-only); [ -n "$STEP_RUNS" ] && args+=(--step-runs "$STEP_RUNS")
  # reaper.pl: child subreaper, so detached crun inits are reaped at once
  exec unshare --mount --net --propagation private -- "$BENCH_DIR/reaper.pl" bash "$0" "${args[@]}"
fi

# --- settings -----------------------------------------------------------------
if [ $QUICK = 1 ]; then
  WARM=1 RUNS=5 LEVELS="10 100" DENSITY_NS="10" CRUN_N=10
  : "${STEP_RUNS:=5}"
  : "${MAX_N:=10}"
else
  WARM=3 RUNS=40 LEVELS="10 100 1000" DENSITY_NS="100 200 1000" CRUN_N=100
  : "${STEP_RUNS:=20}"
  : "${MAX_N:=1000}"
fi
[ $DENSITY_ONLY = 1 ] && DENSITY_NS=$MAX_N
PAR=2              # boots/halts in flight at once, both runtimes (2 cores)
STREAM_MIB=256     # bytes through zlogin z cat, against cat | cat
DENSITY_BUDGET=300 # seconds a density boot may take; bigger N is scaled down

T=$(mktemp -d /tmp/zk-bench.XXXXXX)
mount -t tmpfs -o mode=0755,size=8g zk-bench "$T"
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  mount -t tmpfs -o mode=0755,size=1m zk-bench-nocg2 /sys/fs/cgroup/unified
fi
# The main layout's store: a directory on the root file system (not a tmpfs).
D=$(mktemp -d /var/tmp/zk-bench.XXXXXX)
chmod 0755 "$D"
DISK_FS=$(findmnt -n -o FSTYPE -T "$D" 2>/dev/null || stat -f -c %T "$D")
mkdir -p "$T"/{root,run-disk,run-tmpfs,crun,netns,pids,cni,json,log} "$D"/{root,cni}
export ZONEKIT_CONFIG=$T/zonekit.toml
export ZONEKIT_CGROUP_PARENT="zkbench-$$-$RANDOM"
export PATH="$BUILD/bin:$PATH"
export BENCH_TMP=$T BENCH_CRUN_ROOT=$T/crun BENCH_NETNS_DIR=$T/netns BENCH_CRUN_PREFIX="zkb-$$-"
ip link set lo up

# layout disk|tmpfs: point zonekit and crun at that layout. disk: the store,
# the rootfs, crun's bundles and CNI's IPAM store on the root file system
# (under $D); the run dir and crun's state on the tmpfs. tmpfs: all on $T.
declare -A LIMG LBZ  # layout -> image uuid, uuid of zone bz
layout() {
  local b=$T
  [ "$1" = disk ] && b=$D
  LAYOUT=$1 LBASE=$b
  export ZONEKIT_ROOT=$b/root ZONEKIT_RUN=$T/run-$1
  export BENCH_CRUN_BUNDLE=$b/bundle-true BENCH_CRUN_SLEEP=$b/bundle-sleep BENCH_CNI_CONF=$b/cni.json
  export BENCH_ZK_MANIFEST=$b/cycle.json
  IMG=${LIMG[$1]:-} BZ=${LBZ[$1]:-}
}

cleanup() {
  local rc=$? f pid d p id i
  set +e
  for f in "$T"/run-*/zones/*/state.json; do
    [ -f "$f" ] || continue
    pid=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$f")
    [ -n "$pid" ] && [ "$pid" -gt 1 ] && kill -KILL "$pid" 2>/dev/null
  done
  for id in $(crun --root="$BENCH_CRUN_ROOT" list -q 2>/dev/null); do
    crun --root="$BENCH_CRUN_ROOT" --cgroup-manager=cgroupfs delete -f "$id" >/dev/null 2>&1
  done
  for d in /sys/fs/cgroup/*/"$ZONEKIT_CGROUP_PARENT" /sys/fs/cgroup/*/"$BENCH_CRUN_PREFIX"*; do
    [ -d "$d" ] || continue
    # the hidden cgroup2 path is our tmpfs: crun's stray dirs there are plain files
    [ "$(stat -f -c %T "$d")" = tmpfs ] && continue
    for i in 1 2 3 4 5 6 7 8 9 10; do
      p=$(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
      [ -z "$p" ] && break
      kill -KILL $p 2>/dev/null
      sleep 0.2
    done
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  for f in "$T"/netns/*; do [ -e "$f" ] && umount "$f" 2>/dev/null; done
  umount -l /sys/fs/cgroup/unified 2>/dev/null
  umount -l "$T" 2>/dev/null
  rmdir "$T" 2>/dev/null
  # the disk store: nothing is mounted below it outside the zones' own
  # mount namespaces, which died with them
  grep -q " $D" /proc/self/mountinfo && say "mounts left under $D: not removed" || rm -rf --one-file-system "$D"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

# --- measurement helpers ------------------------------------------------------
steal_snap() { awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
steal_pct() {  # "s0 t0" "s1 t1"
  awk -v a="$1" -v b="$2" 'BEGIN{split(a,x," ");split(b,y," ");d=y[2]-x[2];printf "%.1f", (d > 0 ? 100*(y[1]-x[1])/d : 0)}'
}

declare -A R  # key -> "median min max runs steal" (ms)
declare -A CMD  # key -> command line as run
# hf KEY CMD [prepare]: hyperfine without a shell, >= RUNS runs after WARM warm-ups.
hf() {
  local key=$1 cmd=$2 prep=${3:-} s0 s1 st j=$T/json/$1.json
  local a=(-N --style none --warmup "$WARM" --runs "$RUNS" --export-json "$j" -n "$key")
  [ -n "$prep" ] && a+=(--prepare "$prep")
  s0=$(steal_snap)
  if ! hyperfine "${a[@]}" "$cmd" >"$T/log/$key" 2>&1; then
    cat "$T/log/$key" >&2; say "hyperfine $key failed"; return 1
  fi
  s1=$(steal_snap); st=$(steal_pct "$s0" "$s1")
  R[$key]="$(jq -r '.results[0] | [.median, .min, .max] | map(. * 1000) | map(tostring) | join(" ")' "$j") $RUNS $st"
  CMD[$key]="$cmd${prep:+   (prepare: $prep)}"
  say "  $key: $(echo "${R[$key]}" | awk '{printf "median %.1f ms (min %.1f, max %.1f), steal %s%%", $1, $2, $3, $5}')"
}
med() { echo "${R[$1]}" | awk '{printf "%.1f", $1}'; }
mmm() { echo "${R[$1]}" | awk '{printf "%.1f (%.1f–%.1f)", $1, $2, $3}'; }

meminfo() { awk -v k="$1:" '$1==k{print $2}' /proc/meminfo; }
# settle: let asynchronous kernel teardown (netns cleanup, memcg, RCU) end:
# 2 s, then until Slab moved < 256 KiB over 3 consecutive 1 s samples (<= 40 s).
settle() {
  local prev s same=0 i
  sleep 2; prev=$(meminfo Slab)
  for i in $(seq 40); do
    sleep 1; s=$(meminfo Slab)
    if [ $(( s > prev ? s - prev : prev - s )) -lt 256 ]; then same=$((same + 1)); [ $same -ge 3 ] && return 0; else same=0; fi
    prev=$s
  done
  say "  (slab did not settle within 40 s)"
}
# kernel-side snapshot, KiB: MemAvailable Slab SUnreclaim PageTables KernelStack
memsnap() { echo "$(meminfo MemAvailable) $(meminfo Slab) $(meminfo SUnreclaim) $(meminfo PageTables) $(meminfo KernelStack)"; }
pss_sum() {  # PIDS... -> KiB
  local p t=0 v
  for p in "$@"; do v=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0); t=$((t + ${v:-0})); done
  echo $t
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

# --- machine ------------------------------------------------------------------
machine() {
  local cg
  if [ -e /sys/fs/cgroup/cgroup.controllers ]; then cg="cgroup2 (unified)"; else
    cg="v1 ($(awk -F: '$2!=""{print $2}' /proc/self/cgroup | tr '\n' ' ' | sed 's/ $//'))"
  fi
  echo "| item | value |"
  echo "|---|---|"
  echo "| OS / kernel | $(. /etc/os-release; echo "$PRETTY_NAME"), Linux $(uname -r) |"
  echo "| CPU | $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(nproc) CPUs |"
  echo "| memory | $(( $(meminfo MemTotal) / 1024 )) MiB, swap $(( $(meminfo SwapTotal) / 1024 )) MiB |"
  echo "| cgroups seen by both runtimes | $cg (cgroup2 hidden for crun, see notes) |"
  echo "| zonekit | $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?') ($(git -C "$SRC" log -1 --format=%cs 2>/dev/null)), build type $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null) |"
  echo "| crun | $(crun --root="$BENCH_CRUN_ROOT" --version | head -1 | awk '{print $3}') |"
  echo "| CNI plugins | containernetworking-plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins) (bridge + host-local) |"
  echo "| hyperfine | $(hyperfine --version | awk '{print $2}') |"
  echo "| busybox | $(dpkg-query -W -f='${Version}' busybox-static) (static) |"
  echo "| load at start | $(cut -d' ' -f1-3 /proc/loadavg) |"
}

# --- setup: rootfs, image, nic tag, crun bundles, CNI config ------------------
# Both layouts' stores get the same nic tag (bridge zkb0); their zones never
# run at the same time.
zk_manifest() {  # ALIAS BRAND -> a networked zone manifest on stdout
  if [ "$2" = image ]; then
    printf '{"alias":"%s","brand":"image","image_uuid":"%s","nics":[{"nic_tag":"bench"}]}\n' "$1" "$IMG"
  else
    printf '{"alias":"%s","nics":[{"nic_tag":"bench"}]}\n' "$1"
  fi
}
setup() {  # in the current layout
  local B=$LBASE
  say "setup ($LAYOUT): busybox rootfs, image import, nic tag, crun bundles"
  . "$SRC/tests/lib/mkimage.sh"
  mkimage_rootfs "$B/rootfs"
  IMG=$(imgadm import "$B/rootfs" --name busybox --version 1)
  nicadm add bench --bridge zkb0 --subnet 10.90.0.0/16 --gateway 10.90.0.1 >/dev/null
  local i
  if [ "$LAYOUT" = disk ]; then
    for i in $(seq 1 $((TAGS - 1))); do  # more tags for density: bench1 .. on zkb1 ..
      nicadm add "bench$i" --bridge "zkb$i" --subnet "10.$((90 + i)).0.0/16" --gateway "10.$((90 + i)).0.1" >/dev/null
    done
  fi
  printf '{"alias":"cyc","brand":"image","image_uuid":"%s","nics":[{"nic_tag":"bench"}]}\n' "$IMG" >"$BENCH_ZK_MANIFEST"
  BZ=$(zk_manifest bz image | zoneadm create -f -)
  zk_manifest bzs sparse | zoneadm create -f - >/dev/null
  LIMG[$LAYOUT]=$IMG LBZ[$LAYOUT]=$BZ

  local b
  for b in bundle-true bundle-sleep; do
    mkdir -p "$B/$b"
    (cd "$B/$b" && crun --root="$BENCH_CRUN_ROOT" spec)
  done
  jq --arg r "$B/rootfs" --arg ns "$T/netns/cyc" '
      .root = {path: $r, readonly: true} | .process.terminal = false | .process.args = ["/bin/true"]
      | .linux.namespaces |= map(if .type == "network" then . + {path: $ns} else . end)' \
    "$B/bundle-true/config.json" >"$B/c.json" && mv "$B/c.json" "$B/bundle-true/config.json"
  jq --arg r "$B/rootfs" '
      .root = {path: $r, readonly: true} | .process.terminal = false | .process.args = ["/bin/sleep", "100000"]' \
    "$B/bundle-sleep/config.json" >"$B/c.json" && mv "$B/c.json" "$B/bundle-sleep/config.json"
  cat >"$BENCH_CNI_CONF" <<EOF
{"cniVersion": "1.0.0", "name": "zkbench", "type": "bridge", "bridge": "cni0",
 "isGateway": true, "ipMasq": false,
 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.89.0.0/16"}]], "dataDir": "$B/cni"}}
EOF
}

# --- latency ------------------------------------------------------------------
# Each row is measured on both layouts back to back (the load of a shared
# machine changes over minutes); only one layout's zones run at a time.
latency() {  # keys disk.zk_cycle, tmpfs.zk_cycle, ...
  local l
  say "latency: full cycle with a network"
  for l in disk tmpfs; do
    layout $l
    hf "$l.zk_cycle" "$BENCH_DIR/zk-cycle.sh"
    hf "$l.crun_cycle" "$BENCH_DIR/crun-cycle.sh"
  done
  say "latency: boot of a created zone / crun create+start"
  for l in disk tmpfs; do
    layout $l
    hf "$l.zk_boot" "zoneadm boot bz" "zoneadm halt bz"
    hf "$l.zk_halt" "zoneadm halt bz" "zoneadm boot bz"
    hf "$l.zk_boot_sparse" "zoneadm boot bzs" "zoneadm halt bzs"
    zoneadm halt bzs
    hf "$l.crun_boot" "$BENCH_DIR/crun-boot.sh" "$BENCH_DIR/crun-unboot.sh"
    "$BENCH_DIR/crun-unboot.sh"
    hf "$l.crun_halt" "$BENCH_DIR/crun-unboot.sh" "$BENCH_DIR/crun-boot.sh"
  done
  say "latency: enter a running zone / crun exec"
  for l in disk tmpfs; do
    layout $l
    zoneadm boot bz; zoneadm boot bzs; "$BENCH_DIR/crun-boot.sh"
    hf "$l.zk_enter" "zlogin bz true"
    hf "$l.zk_enter_sparse" "zlogin bzs true"
    hf "$l.crun_exec" "crun --root=$BENCH_CRUN_ROOT --cgroup-manager=cgroupfs exec ${BENCH_CRUN_PREFIX}boot /bin/true"
    if [ "$l" = disk ]; then
      say "throughput: $STREAM_MIB MiB through zlogin z cat / cat | cat"
      head -c "${STREAM_MIB}M" /dev/urandom >"$T/stream"
      hf zk_stream "sh -c 'zlogin bz cat <$T/stream >/dev/null'"
      hf pipe_stream "sh -c 'cat $T/stream | cat >/dev/null'"
      rm -f "$T/stream"
    fi
    zoneadm halt bz; zoneadm halt bzs; "$BENCH_DIR/crun-unboot.sh"
  done
}

# --- per-step times -----------------------------------------------------------
declare -A S  # "layout.brand.step" -> samples in ns, space-separated
STEPS="create first_boot boot zlogin halt delete"
# steps: STEP_RUNS cycles (after one warm-up) of a zone with one NIC,
# sparse and image: create, first boot, zlogin true, halt, boot (a later
# boot), halt (not timed), delete; each step timed alone. Each cycle runs on
# the disk layout, then on the tmpfs layout.
steps() {
  local br i l z
  for br in sparse image; do
    z=st$br
    for l in disk tmpfs; do layout $l; zk_manifest "$z" "$br" >"$T/steps-$l.json"; done
    say "steps ($br): $STEP_RUNS cycles on each layout"
    for i in $(seq 0 "$STEP_RUNS"); do
      for l in disk tmpfs; do
        layout $l
        step "$br" "$i" create zoneadm create -f "$T/steps-$l.json"
        step "$br" "$i" first_boot zoneadm boot "$z"
        step "$br" "$i" zlogin zlogin "$z" true
        step "$br" "$i" halt zoneadm halt "$z"
        step "$br" "$i" boot zoneadm boot "$z"
        zoneadm halt "$z"
        step "$br" "$i" delete zoneadm delete "$z"
      done
    done
  done
}
step() {  # BRAND RUN NAME CMD...: run 0 is the warm-up
  local k=$LAYOUT.$1.$3 i=$2 t0 t1; shift 3
  t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
  [ "$i" = 0 ] || S[$k]+="$((t1 - t0)) "
}
smmm() {  # KEY -> "median (min–max)" ms
  [ -n "${S[$1]:-}" ] || { echo "—"; return; }
  echo "${S[$1]}" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {
    m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    printf "%.1f (%.1f–%.1f)", m/1e6, a[1]/1e6, a[NR]/1e6 }'
}
smed() { smmm "$1" | awk '{print $1}'; }

# --- fsyncs per operation -----------------------------------------------------
declare -A F  # "brand.op" -> fsync-family calls
# fsyncs CMD...: fsync-family calls of CMD (tests/lib/fsync_budget.sh), and
# of the zone's running zoneadmd when $FZONE names one
fsyncs() {
  local pid
  pid=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/${FZONE:-none}/state.json" 2>/dev/null || true)
  ZK_FSYNC_PID=$pid zk_fsyncs "$T" "$@"
}
fsync_counts() {  # in the current layout
  local br z m u
  say "fsyncs per operation ($LAYOUT)"
  F[nicadm.add]=$(fsyncs nicadm add fsy --bridge zkf0 --subnet 10.88.0.0/24 --gateway 10.88.0.1)
  F[nicadm.delete]=$(fsyncs nicadm delete fsy)
  mkimage_rootfs "$T/rootfs-fsy"; echo fsync >"$T/rootfs-fsy/etc/fsync"
  F[imgadm.import]=$(fsyncs imgadm import "$T/rootfs-fsy" --name fsync --version 1)
  F[imgadm.delete]=$(fsyncs imgadm delete fsync)
  for br in sparse image; do
    z=fs$br m=$T/fsync.json
    zk_manifest "$z" "$br" >"$m"
    F[$br.create]=$(fsyncs zoneadm create -f "$m")
    u=$(zoneadm list -H -o uuid alias="$z")
    F[$br.first_boot]=$(fsyncs zoneadm boot "$z")
    F[$br.zlogin]=$(fsyncs zlogin "$z" true)
    F[$br.halt]=$(FZONE=$u fsyncs zoneadm halt "$z")
    F[$br.boot]=$(fsyncs zoneadm boot "$z")
    zoneadm halt "$z"
    F[$br.delete]=$(fsyncs zoneadm delete "$z")
  done
  say "  $(for k in $(printf '%s\n' "${!F[@]}" | sort); do printf '%s=%s ' "$k" "${F[$k]}"; done)"
}

# --- store size: list / get / boot with 10, 100, 1000 zones --------------------
POP=2  # zones in the store so far (bz, bzs)
populate() {  # up to $1 zones: sparse, no NIC, created 4 at a time
  local want=$1 t0 t1 n
  n=$((want - POP)); [ $n -gt 0 ] || return 0
  t0=$(now)
  seq $((POP + 1)) "$want" | xargs -P 4 -I{} sh -c 'printf "{\"alias\":\"p%s\"}" {} | zoneadm create -f - >/dev/null'
  t1=$(now)
  say "  created $n zones in $(elapsed "$t0" "$t1") s"
  CREATE_RATE="$n zones in $(elapsed "$t0" "$t1") s (4 parallel \`zoneadm create\`)"
  POP=$want
}
store_size() {
  local n
  for n in $LEVELS; do
    say "store with $n zones"
    populate "$n"
    [ "$(zoneadm list -H -o uuid | wc -l)" = "$n" ] || { say "store has $(zoneadm list -H -o uuid | wc -l) zones, expected $n"; return 1; }
    hf "zk_list_$n" "zoneadm list"
    hf "zk_get_$n" "zoneadm get bz"
    hf "zk_getu_$n" "zoneadm get $BZ"
    hf "zk_boot_$n" "zoneadm boot $BZ" "zoneadm halt $BZ"
  done
}

# --- density ------------------------------------------------------------------
declare -A D  # "runtime:N:field" -> value
declare -a DROWS=()
zk_density() {
  local n=$1 have i t0 t1 m0 m1 run cg zpss ipss pids ipids f
  say "density: zonekit N=$n"
  touch "$T/duuids"; have=$(wc -l <"$T/duuids")
  if [ "$have" -lt "$n" ]; then
    # zone i on tag bench (i % TAGS == 0) or bench<i % TAGS>
    seq $((have + 1)) "$n" | xargs -P 4 -I{} sh -c 't=$(({} % '"$TAGS"')); [ $t = 0 ] && t=""
      printf "{\"alias\":\"d%s\",\"brand\":\"image\",\"image_uuid\":\"%s\",\"nics\":[{\"nic_tag\":\"bench%s\"}]}" {} '"$IMG"' "$t" | zoneadm create -f -' >>"$T/duuids"
  fi
  settle; m0=$(memsnap); cp /proc/meminfo "$T/meminfo.before"
  t0=$(now)
  # in chunks of 50, stopping while the host keeps half of its memory (a shared machine)
  local off=0 floor=$(( $(meminfo MemTotal) / 2 ))
  while [ $off -lt "$n" ]; do
    if [ "$(meminfo MemAvailable)" -lt $floor ]; then
      say "  stopping at $off zones: MemAvailable below half of MemTotal"; MEM_STOP="$off zones (MemAvailable < MemTotal/2)"; break
    fi
    sed -n "$((off + 1)),$((off + 50 < n ? off + 50 : n))p" "$T/duuids" | xargs -P $PAR -n 1 zoneadm boot || say "  some boots failed"
    off=$((off + 50))
  done
  t1=$(now)
  run=$(zoneadm list -H -o alias state=running | grep -c '^d[0-9]*$' || true)
  D[zk:$n:start]=$(elapsed "$t0" "$t1"); D[zk:$n:running]=$run
  say "  booted $run/$n in ${D[zk:$n:start]} s"
  settle; m1=$(memsnap)
  cp /proc/meminfo "$T/meminfo.after"
  MEMDIFF=$(awk -v n="$run" 'NR==FNR{a[$1]=$2; next} {d=$2-a[$1]; if (d<0) d=-d; if (n>0) printf "%d %s %d\n", d, $1, ($2-a[$1])/n}' "$T/meminfo.before" "$T/meminfo.after" | sort -rn | head -6 | awk '{printf "%s %s; ", $2, $3}')
  pids=() ipids=()
  for f in "$ZONEKIT_RUN"/zones/*/state.json; do
    [ -f "$f" ] && grep -q '"state": *"running"' "$f" || continue  # halted zones keep stale pids
    i=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$f"); [ -n "$i" ] && [ "$i" -gt 1 ] && pids+=("$i")
    i=$(sed -n 's/.*"init_pid": *\([0-9]*\).*/\1/p' "$f"); [ -n "$i" ] && [ "$i" -gt 1 ] && ipids+=("$i")
  done
  zpss=$(pss_sum "${pids[@]}"); ipss=$(pss_sum "${ipids[@]}")
  cg=$(cat "/sys/fs/cgroup/memory/$ZONEKIT_CGROUP_PARENT/memory.usage_in_bytes" 2>/dev/null || echo 0)
  density_record zk "$n" "$run" "$m0" "$m1" "$((cg / 1024))" "$zpss" "$ipss" "${#pids[@]}"
  t0=$(now)
  head -n "$n" "$T/duuids" | xargs -P $PAR -n 1 zoneadm halt || say "  some halts failed"
  t1=$(now)
  D[zk:$n:stop]=$(elapsed "$t0" "$t1")
  say "  halted in ${D[zk:$n:stop]} s"
}
crun_density() {
  local n=$1 t0 t1 m0 m1 run cg ipss ipids i
  say "density: crun N=$n"
  settle; m0=$(memsnap)
  t0=$(now)
  seq 1 "$n" | xargs -P $PAR -I{} "$BENCH_DIR/crun-start1.sh" {} || say "  some starts failed"
  t1=$(now)
  run=$(crun --root="$BENCH_CRUN_ROOT" list -q | grep -c "^${BENCH_CRUN_PREFIX}d" || true)
  D[crun:$n:start]=$(elapsed "$t0" "$t1"); D[crun:$n:running]=$run
  say "  started $run/$n in ${D[crun:$n:start]} s"
  settle; m1=$(memsnap)
  ipids=(); for i in $(seq 1 "$n"); do [ -f "$T/pids/$i" ] && ipids+=("$(cat "$T/pids/$i")"); done
  ipss=$(pss_sum "${ipids[@]}")
  cg=0; for i in /sys/fs/cgroup/memory/"$BENCH_CRUN_PREFIX"d*/memory.usage_in_bytes; do [ -f "$i" ] && cg=$((cg + $(cat "$i"))); done
  density_record crun "$n" "$run" "$m0" "$m1" "$((cg / 1024))" 0 "$ipss" 0
  t0=$(now)
  seq 1 "$n" | xargs -P $PAR -I{} "$BENCH_DIR/crun-stop1.sh" {} || say "  some stops failed"
  t1=$(now)
  D[crun:$n:stop]=$(elapsed "$t0" "$t1")
  say "  stopped in ${D[crun:$n:stop]} s"
}
# density_record RT N RUNNING "m0" "m1" CGROUP_KIB SUPERVISOR_PSS INIT_PSS NSUP
density_record() {
  local rt=$1 n=$2 run=$3 cgk=$6 zp=$7 ip=$8
  read -r a0 s0 u0 p0 k0 <<<"$4"; read -r a1 s1 u1 p1 k1 <<<"$5"
  local div=$(( run > 0 ? run : 1 ))
  D[$rt:$n:avail]=$(( (a0 - a1) / div ))
  D[$rt:$n:slab]=$(( (s1 - s0) / div ))
  D[$rt:$n:sunrec]=$(( (u1 - u0) / div ))
  D[$rt:$n:ptks]=$(( (p1 - p0 + k1 - k0) / div ))
  D[$rt:$n:cg]=$(( cgk / div ))
  D[$rt:$n:suppss]=$(( zp / div ))
  D[$rt:$n:initpss]=$(( ip / div ))
  D[$rt:$n:used]="$(( a0 / 1024 )) → $(( a1 / 1024 ))"
  DROWS+=("$rt:$n")
  say "  per zone: MemAvailable Δ ${D[$rt:$n:avail]} KiB, slab ${D[$rt:$n:slab]}, cgroup ${D[$rt:$n:cg]}, supervisor PSS ${D[$rt:$n:suppss]}, init PSS ${D[$rt:$n:initpss]}"
}
density() {
  local n last_n=0 last_t=0 cap
  for n in $DENSITY_NS; do
    [ "$n" -le "$MAX_N" ] || n=$MAX_N
    [ "$n" -gt "$last_n" ] || continue
    if [ "$last_n" -gt 0 ]; then  # scale down to what fits the time budget
      cap=$(awk -v t="$last_t" -v n="$last_n" -v b="$DENSITY_BUDGET" 'BEGIN{c=int(b/(t/n)); print c}')
      [ "$cap" -lt "$n" ] && { say "  N=$n would take too long; N=$cap instead"; n=$cap; }
    fi
    zk_density "$n"
    [ "${D[zk:$n:running]}" = "$n" ] || { say "  stopping density at N=$n (not all booted)"; ZK_MAX_REACHED=${D[zk:$n:running]}; ZK_LAST_N=$n; break; }
    last_n=$n last_t=${D[zk:$n:start]}
  done
  ZK_MAX_REACHED=${ZK_MAX_REACHED:-$last_n}
  [ $DENSITY_ONLY = 1 ] && return 0
  crun_density "$CRUN_N"
  CRUN_DN=$CRUN_N
}

# --- report -------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "—" }'; }
per() { awk -v t="$1" -v n="$2" 'BEGIN{ if (n > 0) printf "%.1f", 1000*t/n; else print "—" }'; }
report() {
  local n k
  [ $DENSITY_ONLY = 1 ] && { report_density; return 0; }
  [ $STEPS_ONLY = 1 ] && { report_steps; return 0; }
  echo "## Latency (ms, hyperfine: ${WARM} warm-up, ${RUNS} runs; median (min–max))"
  echo
  echo "Main rows: the default layout, the store on the root file system ($DISK_FS, a directory under /var/tmp) and"
  echo "the run dir on tmpfs; crun's bundle, rootfs and CNI IPAM store on the same file system, its state on tmpfs."
  echo "Beside them: everything on tmpfs."
  echo
  echo "| what | zonekit | crun | zonekit/crun | zonekit, all tmpfs | crun, all tmpfs | zonekit/crun, all tmpfs | target | steal % (zk, crun) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
  lrow() {
    echo "| $1 | $(mmm "disk.$2") | $(mmm "disk.$3") | $(ratio "$(med "disk.$2")" "$(med "disk.$3")") | $(mmm "tmpfs.$2") | $(mmm "tmpfs.$3") | $(ratio "$(med "tmpfs.$2")" "$(med "tmpfs.$3")") | $4 | $(echo "${R[disk.$2]}" | cut -d' ' -f5), $(echo "${R[disk.$3]}" | cut -d' ' -f5) |"
  }
  lrow "full cycle with a network (image zone, 1 NIC / CNI bridge)" zk_cycle crun_cycle "≤ 0.5"
  lrow "boot a created zone (image, 1 NIC) / crun create+start (netns lo)" zk_boot crun_boot "≤ 1"
  lrow "boot, sparse zone (1 NIC)" zk_boot_sparse crun_boot "≤ 1"
  lrow "halt / crun delete -f" zk_halt crun_halt "—"
  lrow "enter: zlogin z true / crun exec" zk_enter crun_exec "≤ 1"
  lrow "enter, sparse zone" zk_enter_sparse crun_exec "≤ 1"
  echo
  echo "Streaming $STREAM_MIB MiB (ms, median (min–max)): \`zlogin bz cat <f >/dev/null\` $(mmm zk_stream),"
  echo "\`cat f | cat >/dev/null\` $(mmm pipe_stream): ratio $(ratio "$(med zk_stream)" "$(med pipe_stream)") (goal: pipe speed)."
  echo
  report_steps
  echo "## Store size (ms; zones in the store on the root file system, median (min–max))"
  echo
  echo "| zones | zoneadm list | zoneadm get bz (alias) | zoneadm get UUID | zoneadm boot UUID |"
  echo "|---:|---:|---:|---:|---:|"
  for n in $LEVELS; do echo "| $n | $(mmm "zk_list_$n") | $(mmm "zk_get_$n") | $(mmm "zk_getu_$n") | $(mmm "zk_boot_$n") |"; done
  echo
  echo "Store filled with: ${CREATE_RATE:-?}. Target: list over 1000 zones ≤ 20 ms; get/boot flat."
  echo
  report_density
  echo "## Ratios zonekit/crun (lower is better for zonekit)"
  echo
  local zn=$CRUN_DN
  echo "| what | zonekit/crun (store on $DISK_FS) | all tmpfs | target |"
  echo "|---|---:|---:|---|"
  echo "| full cycle with a network | $(ratio "$(med disk.zk_cycle)" "$(med disk.crun_cycle)") | $(ratio "$(med tmpfs.zk_cycle)" "$(med tmpfs.crun_cycle)") | ≤ 0.5 |"
  echo "| boot (image zone) vs create+start | $(ratio "$(med disk.zk_boot)" "$(med disk.crun_boot)") | $(ratio "$(med tmpfs.zk_boot)" "$(med tmpfs.crun_boot)") | ≤ 1 |"
  echo "| enter vs exec | $(ratio "$(med disk.zk_enter)" "$(med disk.crun_exec)") | $(ratio "$(med tmpfs.zk_enter)" "$(med tmpfs.crun_exec)") | ≤ 1 |"
  echo "| density start, N=$zn | $(ratio "${D[zk:$zn:start]}" "${D[crun:$zn:start]}") | | — |"
  echo "| density halt, N=$zn | $(ratio "${D[zk:$zn:stop]}" "${D[crun:$zn:stop]}") | | — |"
  echo "| memory per zone (MemAvailable), N=$zn | $(ratio "${D[zk:$zn:avail]}" "${D[crun:$zn:avail]}") | | — |"
  echo "| memory per zone (slab), N=$zn | $(ratio "${D[zk:$zn:slab]}" "${D[crun:$zn:slab]}") | | — |"
}
report_steps() {
  local s l br
  echo "## Per step (ms, $STEP_RUNS cycles after 1 warm-up; median (min–max)) and fsyncs"
  echo
  echo "One zone with one NIC per cycle: create, first boot, \`zlogin true\`, halt, boot (a later boot), halt, delete,"
  echo "each step timed alone. fsyncs: fsync, fdatasync, syncfs and sync_file_range calls of the step, its"
  echo "zoneadmd included (\`strace -f -c\`, one more cycle on the root file system); budget: zoneadm(8), section Crash safety and fsync."
  echo
  echo "| step | sparse, $DISK_FS | sparse, tmpfs | image, $DISK_FS | image, tmpfs | fsyncs sparse | fsyncs image | budget |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for s in $STEPS; do
    echo "| ${s/_/ } | $(smmm "disk.sparse.$s") | $(smmm "tmpfs.sparse.$s") | $(smmm "disk.image.$s") | $(smmm "tmpfs.image.$s") | ${F[sparse.$s]:-—} | ${F[image.$s]:-—} | ${ZK_FSYNC_BUDGET[$s]:-—} |"
  done
  echo
  echo "First boot / later boot (medians):"
  for br in sparse image; do
    for l in disk tmpfs; do
      printf '%s on %s %s' "$br" "$([ $l = disk ] && echo "$DISK_FS" || echo tmpfs)" "$(ratio "$(smed "$l.$br.first_boot")" "$(smed "$l.$br.boot")")"
      [ "$br$l" = imagetmpfs ] && echo "." || printf '; '
    done
  done
  echo "Target: ≤ 1.3 on the root file system."
  echo
  echo "fsyncs of the other commands: \`nicadm add\` ${F[nicadm.add]:-—} (budget ${ZK_FSYNC_BUDGET[nicadm_add]:-—}), \`nicadm delete\` ${F[nicadm.delete]:-—} (${ZK_FSYNC_BUDGET[nicadm_delete]:-—}),"
  echo "\`imgadm import\` of a directory ${F[imgadm.import]:-—} (${ZK_FSYNC_BUDGET[imgadm_import]:-—}), \`imgadm delete\` ${F[imgadm.delete]:-—} (${ZK_FSYNC_BUDGET[imgadm_delete]:-—})."
  echo
}
report_density() {
  local k
  echo "## Density (networked, idle; $PAR boots at a time$( [ "$TAGS" -gt 1 ] && echo "; zones spread over $TAGS nic tags, a bridge each"))"
  echo
  echo "| runtime | N running | start all (s) | ms/zone | halt all (s) | ms/zone | MemAvailable Δ KiB/zone | slab Δ | unreclaimable | page tables + stacks | cgroup usage KiB/zone | supervisor PSS | init PSS | MemAvailable MiB before → running |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for k in "${DROWS[@]}"; do
    local rt=${k%%:*} n=${k#*:} label
    label=$rt; [ "$rt" = zk ] && [ "$TAGS" -gt 1 ] && label="zk, $TAGS nic tags"
    echo "| $label | ${D[$k:running]}/$n | ${D[$k:start]} | $(per "${D[$k:start]}" "$n") | ${D[$k:stop]} | $(per "${D[$k:stop]}" "$n") | ${D[$k:avail]} | ${D[$k:slab]} | ${D[$k:sunrec]} | ${D[$k:ptks]} | ${D[$k:cg]} | ${D[$k:suppss]} | ${D[$k:initpss]} | ${D[$k:used]} |"
  done
  echo
  echo "Largest zonekit N reached: ${ZK_MAX_REACHED} (targets: 1000 zones, ≤ 1 MiB/zone, all booted in ≤ 20 s).${MEM_STOP:+ Memory guard stopped the boots at $MEM_STOP.}"
  echo
  echo "Largest /proc/meminfo changes per zone, last zonekit density set (KiB/zone): ${MEMDIFF:-?}"
  echo
}
commands() {
  local k
  echo "## Exact commands"
  echo
  echo "Each hyperfine row: \`hyperfine -N --warmup $WARM --runs $RUNS [--prepare P] CMD\`, inside \`bench/run.sh\`'s namespaces,"
  echo "PATH=\$BUILD/bin. Rows disk.*: ZONEKIT_ROOT=\$D/root (\$D made under /var/tmp, $DISK_FS), ZONEKIT_RUN=\$T/run-disk (\$T a tmpfs);"
  echo "rows tmpfs.*: ZONEKIT_ROOT=\$T/root, ZONEKIT_RUN=\$T/run-tmpfs; unprefixed rows: the disk layout. crun always ran as"
  echo "\`crun --root=\$T/crun --cgroup-manager=cgroupfs\`, its bundles and CNI's IPAM dataDir in \$D (disk) or \$T (tmpfs)."
  echo
  echo '| row | command |'
  echo '|---|---|'
  for k in $(printf '%s\n' "${!CMD[@]}" | sort); do c=${CMD[$k]//$T/\$T}; c=${c//$D/\$D}; echo "| $k | \`${c//$SRC\//}\` |"; done
  echo
  echo "Scripts: \`bench/zk-cycle.sh\` (create, boot, zlogin true, halt, delete), \`bench/crun-cycle.sh\` (netns file via"
  echo "\`unshare --net=FILE\`, CNI ADD of /usr/lib/cni/bridge with host-local IPAM, \`crun run\` /bin/true, CNI DEL, umount),"
  echo "\`bench/crun-boot.sh\` (\`crun create\` + \`crun start\`, init \`sleep\`), \`bench/crun-unboot.sh\` (\`crun delete -f\`),"
  echo "density: \`zoneadm boot UUID\` / \`zoneadm halt UUID\` and \`bench/crun-start1.sh I\` (\`crun run -d\`, then CNI ADD on"
  echo "/proc/PID/ns/net) / \`bench/crun-stop1.sh I\` (CNI DEL, \`crun delete -f\`), each through \`xargs -P $PAR\`."
  echo
  echo "Zone manifest (density and boot): \`{\"alias\":\"dI\",\"brand\":\"image\",\"image_uuid\":\"<busybox image>\",\"nics\":[{\"nic_tag\":\"bench\"}]}\`;"
  echo "nic tag: \`nicadm add bench --bridge zkb0 --subnet 10.90.0.0/16 --gateway 10.90.0.1\`. CNI config:"
  echo
  echo '```json'
  sed "s|$D|\$D|g" "$D/cni.json"
  echo '```'
}
notes() {
  cat <<'EOF'
## Notes on method

- Both runtimes run from one script in one sitting, in a private mount and network namespace made by
  `bench/run.sh` (via `unshare --mount --net`), below `bench/reaper.pl` (a child subreaper, so detached
  crun inits are reaped at once; pid 1 on this VM reaps slowly).
- crun 1.8.1 refuses hybrid cgroups ("drop all controllers from cgroupv2"), so the private mount namespace
  hides `/sys/fs/cgroup/unified` (hugetlb only) under an empty tmpfs; crun then uses the v1 hierarchies with
  `--cgroup-manager=cgroupfs`, the same hierarchies zonekit uses.
- rootfs: Debian's static busybox, one binary plus applet symlinks (`tests/lib/mkimage.sh`). zonekit imports
  it with `imgadm import` (brand image: read-only lower layer + the zone's upper layer); the sparse rows use
  the host's /usr read-only instead. crun uses it read-only as the OCI bundle root (`crun spec`, adjusted:
  read-only root, no terminal, args).
- "full cycle" for crun is what a CNI user does per container: make a netns, CNI ADD (bridge + host-local),
  `crun run` (foreground; crun deletes the container itself), CNI DEL, remove the netns. For zonekit it is
  create (allocates IP + MAC), boot, `zlogin true`, halt, delete.
- Memory: `MemAvailable` before the boot and while all run, each snapshot after the slab stopped moving
  (< 256 KiB change over 3 s). Other jobs on this shared VM move MemAvailable by tens of MiB; the slab,
  page-table and PSS columns are the steadier basis. "cgroup usage" is `memory.usage_in_bytes` of the v1
  memory cgroups (zonekit: the ZONEKIT_CGROUP_PARENT subtree; crun: the containers' cgroups); "supervisor
  PSS" sums zoneadmd's PSS (crun has no supervisor), "init PSS" the zone inits'.
- Layouts: the store of a real host is /var/lib/zonekit on the root file system and its run dir /run/zonekit
  on tmpfs; the main rows use that layout (a fresh directory under /var/tmp, removed at the end), the "all
  tmpfs" rows the layout of earlier versions of this file. crun gets the same split: bundle, rootfs and CNI's
  host-local IPAM store on the root file system, its state (`--root`, /run/crun by default) on tmpfs.
- Per-step times come from `date +%s%N` around each command in a loop (`steps` in `bench/run.sh`); fsyncs
  from `strace -f -c -e trace=fsync,fdatasync,syncfs,sync_file_range`, attached to the zone's zoneadmd for a
  halt, and stopped 0.3 s after a boot returned (its zoneadmd lives on). tests/integration/store_fsync.sh
  fails when an operation exceeds its budget (tests/lib/fsync_budget.sh, zoneadm(8) "Crash safety and fsync").
- CPU steal is read from /proc/stat around each hyperfine group; the machine is a shared VM with other
  builds running, so absolute numbers are noisy; compare the ratios.
EOF
}

# --- main -----------------------------------------------------------------------
START=$(now)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
MACHINE=$(machine)
. "$SRC/tests/lib/fsync_budget.sh"
if [ $DENSITY_ONLY = 0 ]; then layout tmpfs; setup; fi
layout disk; setup
if [ $STEPS_ONLY = 1 ]; then
  steps; layout disk; fsync_counts
elif [ $DENSITY_ONLY = 0 ]; then
  latency; steps; layout disk; fsync_counts; store_size
fi
[ $STEPS_ONLY = 1 ] || density
TOTAL=$(elapsed "$START" "$(now)")
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
# Under load: a load average above half the CPUs at the start or the end.
LOADED=$(awk -v a="$LOAD0 $LOAD1" -v n="$(nproc)" 'BEGIN{k=split(a,x," "); for (i=1;i<=k;i++) if (x[i] > n/2) {print 1; exit} print 0}')
TABLES=$(report)
echo
echo "$TABLES"
if [ -n "$OUT" ]; then
  {
    echo "# zonekit vs crun: benchmark results"
    echo
    echo "Generated by \`bench/run.sh$( [ $QUICK = 1 ] && echo ' --quick')\` on $(date -u '+%Y-%m-%d %H:%M UTC') in ${TOTAL} s. Rerun it to regenerate this file."
    echo
    if [ "$LOADED" = 1 ]; then
      echo "**Taken under load**: load average $LOAD0 at the start and $LOAD1 at the end on $(nproc) CPUs (other"
      echo "builds and tests shared the machine). Absolute times are higher and noisier than on an idle host; compare"
      echo "ratios, and columns of one row (both layouts of a row are measured back to back)."
      echo
    fi
    echo "## Machine"
    echo
    echo "$MACHINE"
    echo
    echo "$TABLES"
    echo
    commands
    echo
    notes
  } >"$OUT"
  say "wrote $OUT"
fi
