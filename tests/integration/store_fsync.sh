#!/usr/bin/env bash
# The fsync budget (zoneadm(8), "Crash safety and fsync"; tests/lib/fsync_budget.sh):
# nicadm add/delete, imgadm import/delete, and zoneadm create, first boot,
# zlogin, halt, boot and delete of a sparse and an image zone, each run
# under strace -f (a halt's zoneadmd too), make no more fsync, fdatasync,
# syncfs or sync_file_range calls than the budget allows. The durable
# writes are counted as well (create and delete cannot commit without one),
# so a strace that sees nothing fails the test instead of passing it.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"
. "$ZK_SOURCE/tests/lib/fsync_budget.sh"
command -v strace >/dev/null || { echo "SKIP: strace not installed" >&2; exit 77; }

over=()
check() {  # NAME COUNT
  [ "$2" != failed ] || zk_fail "$1: the command failed under strace"
  echo "$1: $2 fsyncs (budget ${ZK_FSYNC_BUDGET[${1#*.}]})"
  [ "$2" -le "${ZK_FSYNC_BUDGET[${1#*.}]}" ] || over+=("$1: $2 > ${ZK_FSYNC_BUDGET[${1#*.}]}")
}
zoneadmd_of() { sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$1/state.json"; }

check nicadm.nicadm_add "$(zk_fsyncs "$ZK_TMP" nicadm add lan --bridge zkbr0 --subnet 10.56.0.0/24 --gateway 10.56.0.1)"
mkimage_rootfs "$ZK_TMP/rootfs" >/dev/null
check imgadm.imgadm_import "$(zk_fsyncs "$ZK_TMP" imgadm import "$ZK_TMP/rootfs" --name bb --version 1)"
img=$(imgadm list -H -o uuid)
[ -n "$img" ] || zk_fail "no image imported"

for brand in sparse image; do
  if [ $brand = image ]; then
    printf '{"alias": "z%s", "image_uuid": "%s", "nics": [{"nic_tag": "lan"}]}\n' $brand "$img" >"$ZK_TMP/z.json"
  else
    printf '{"alias": "z%s", "nics": [{"nic_tag": "lan"}]}\n' $brand >"$ZK_TMP/z.json"
  fi
  n=$(zk_fsyncs "$ZK_TMP" zoneadm create -f "$ZK_TMP/z.json"); check $brand.create "$n"
  [ "$n" -ge 1 ] || zk_fail "create made no fsync: strace saw nothing?"
  u=$(zoneadm list -H -o uuid alias=z$brand)
  check $brand.first_boot "$(zk_fsyncs "$ZK_TMP" zoneadm boot z$brand)"
  expect_eq "$(zoneadm list -H -o state alias=z$brand)" running "z$brand after a traced boot"
  check $brand.zlogin "$(zk_fsyncs "$ZK_TMP" zlogin z$brand true)"
  check $brand.halt "$(ZK_FSYNC_PID=$(zoneadmd_of "$u") zk_fsyncs "$ZK_TMP" zoneadm halt z$brand)"
  check $brand.boot "$(zk_fsyncs "$ZK_TMP" zoneadm boot z$brand)"
  zoneadm halt z$brand
  n=$(zk_fsyncs "$ZK_TMP" zoneadm delete z$brand); check $brand.delete "$n"
  [ "$n" -ge 1 ] || zk_fail "delete made no fsync: strace saw nothing?"
done

check imgadm.imgadm_delete "$(zk_fsyncs "$ZK_TMP" imgadm delete bb)"
check nicadm.nicadm_delete "$(zk_fsyncs "$ZK_TMP" nicadm delete lan)"
expect_eq "$(zoneadm list -H -o uuid)" "" "zones left"
[ ${#over[@]} = 0 ] || zk_fail "over the fsync budget: ${over[*]}"
echo PASS
