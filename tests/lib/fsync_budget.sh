# The fsync budget of zonekit's commands, as zoneadm(8) documents it
# ("Crash safety and fsync"): the most fsync, fdatasync, syncfs and sync_file_range
# calls one operation may make, its zoneadmd included.
# tests/integration/store_fsync.sh fails above it; bench/run.sh prints it
# beside what it counted. Source it from bash.
declare -A ZK_FSYNC_BUDGET=(
  [create]=3 [first_boot]=0 [boot]=0 [zlogin]=0 [halt]=0 [delete]=1
  [nicadm_add]=2 [nicadm_delete]=1 [imgadm_import]=2 [imgadm_delete]=1
)
ZK_FSYNC_CALLS=fsync,fdatasync,syncfs,sync_file_range

# zk_fsyncs DIR CMD...: print how many fsync-family calls CMD made, with
# everything it started; DIR is a scratch directory. With
# ZK_FSYNC_PID=PID, the running process PID (a zone's zoneadmd: a halt's
# work is done there) is traced too. A boot's new zoneadmd outlives the
# command: strace is stopped 0.3 s after CMD returned (SIGTERM; with -I2 it
# detaches and writes its summary). CMD's output is discarded; a failed CMD prints
# "failed".
zk_fsyncs() {
  local dir=$1 out=$1/fsync.strace rc=$1/fsync.rc attach=() i spid; shift
  rm -f "$out" "$rc"
  if [ -n "${ZK_FSYNC_PID:-}" ] && [ -d "/proc/$ZK_FSYNC_PID" ]; then attach=(-p "$ZK_FSYNC_PID"); fi
  strace -I2 -f -qq -c -o "$out" -e trace=$ZK_FSYNC_CALLS "${attach[@]}" -- \
    sh -c '"$@" >/dev/null 2>&1; echo $? >"$0"' "$rc" "$@" &
  spid=$!
  for i in $(seq 1200); do [ -s "$rc" ] && break; sleep 0.05; done
  sleep 0.3
  kill -TERM "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  if [ "$(cat "$rc" 2>/dev/null)" != 0 ]; then echo failed; return 0; fi
  awk -v re="^(${ZK_FSYNC_CALLS//,/|})\$" '$NF ~ re {n += $4} END {print n + 0}' "$out"
}
