#!/usr/bin/env bash
# The demo: build zonekit, then in throwaway namespaces and a temp store,
# add a nic tag, validate and create zones from manifests/, boot one, run
# commands in it, show it, import a busybox image (built from Debian's
# busybox-static by tests/lib/mkimage.sh) and boot a zone from it, halt
# and delete everything. Leaves nothing behind. The README's tour is this
# script's output.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${ZK_DEMO_IN_NS:-}" ]; then
  ./scripts/build.sh >/dev/null
  [ "$(id -u)" = 0 ] || { echo "demo: run as root (zones need namespaces, cgroups and a bridge)" >&2; exit 1; }
  export ZK_DEMO_IN_NS=1
  exec unshare --mount --net --propagation private -- "$0" "$@"
fi

tmp=$(mktemp -d /tmp/zonekit-demo.XXXXXX)
mount -t tmpfs zonekit-demo "$tmp"
export ZONEKIT_ROOT=$tmp/root ZONEKIT_RUN=$tmp/run ZONEKIT_CONFIG=$tmp/zonekit.toml
export ZONEKIT_CGROUP_PARENT="zonekit-demo-$$"
export PATH="$PWD/build/bin:$PATH"
cleanup() {
  set +e
  for z in $(zoneadm list -H -o uuid 2>/dev/null); do zoneadm delete "$z" >/dev/null 2>&1; done
  for d in /sys/fs/cgroup/*/"$ZONEKIT_CGROUP_PARENT" /sys/fs/cgroup/"$ZONEKIT_CGROUP_PARENT"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  umount -l "$tmp"; rmdir "$tmp"
}
trap cleanup EXIT
ip link set lo up

run() { printf '\n$ %s\n' "$*"; "$@"; }

run nicadm add demo --bridge zkdemo0 --subnet 10.88.0.0/24 --gateway 10.88.0.1 --range 10.88.0.10-10.88.0.200
run nicadm list
run zonecfg validate manifests/*.yaml manifests/*.json
run zoneadm create -f manifests/demo.yaml
run zoneadm create -f manifests/web.yaml
run zoneadm list
run zoneadm boot demo01
run zoneadm boot web01
run zoneadm list -o alias,state,ip,mac,ram,cpu_cap
run zlogin demo01 hostname
run zlogin web01 sh -c 'echo "in web01: pid 1 is $(cat /proc/1/comm), uid $(id -u)"; ip -4 -o addr show; ls /srv/doc | head -3'
web_ip=$(zoneadm list -H -o ip alias=web01)
zlogin web01 sh -c 'echo "hello from web01" | busybox nc -l -p 8080' &
listener=$!
sleep 0.5
run zlogin demo01 busybox nc -w 2 "$web_ip" 8080
wait "$listener"
run zoneadm update demo01 max_physical_memory=512
run zoneadm get demo01
run nicadm show demo
run zoneadm halt demo01
run zoneadm list
run zoneadm delete demo01
run zoneadm delete web01

# Images: a busybox root file system tarball, imported once and shared
# read-only by the zones made from it.
. tests/lib/mkimage.sh
mkimage_rootfs "$tmp/busybox-rootfs"
mkimage_targz "$tmp/busybox-rootfs" "$tmp/busybox.tar.gz"
cd "$tmp"
run imgadm import busybox.tar.gz --name busybox --version 1.35
image=$(imgadm get busybox | jq -r .uuid)
run imgadm list
printf '
$ %s
' "echo '{\"alias\": \"bb1\", \"image_uuid\": \"$image\"}' | zoneadm create -f -"
echo "{\"alias\": \"bb1\", \"image_uuid\": \"$image\"}" | zoneadm create -f -
run zoneadm boot bb1
run zlogin bb1 cat /etc/os-release
run zoneadm delete bb1
run imgadm delete busybox
cd - >/dev/null
run zoneadm list
