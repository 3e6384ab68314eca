#!/usr/bin/env bash
# Run integration tests under Debian's stock kernel in a qemu VM, for a host
# whose own kernel lacks what a test needs (quota.sh needs ext4 and XFS
# project quotas: CONFIG_QFMT_V2, CONFIG_XFS_QUOTA). The VM boots the
# distribution kernel from a busybox initramfs, mounts this host's root
# read-only over 9p (the build and the tools are the host's), puts tmpfs on
# /tmp and /run, and runs each test as ctest does. Software emulation: slow,
# but it needs no KVM. x86_64 only. The kernel is the one apt's
# linux-image-amd64 names (6.1 on Debian 12). The tests' store is a
# loop-mounted ext4, as /var/lib/zonekit on a Debian host (ZK_STORE_FS=tmpfs
# keeps the harness's tmpfs, on which 6.1 cannot boot image zones: idmapped
# tmpfs mounts need Linux 6.3).
#
#   scripts/vm-test.sh [-B BUILD_DIR] [--systemd] tests/integration/quota.sh ...
#   scripts/vm-test.sh [-B BUILD_DIR] [--systemd] --all   (every integration test;
#                                   also `cmake --build build --target vm-test`)
#
# The kernel, its modules and the initramfs are kept in BUILD_DIR/vm.
# Each test runs with ZK_SLOW=1: tests with fixed time bounds widen them.
# Exit status: 1 if a test failed (or the VM did not finish), 77 if every
# test skipped, else 0. Nothing is left on the host but that cache.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
if [ "${1:-}" = -B ]; then build=$(cd "$2" && pwd); shift 2; fi
# --systemd: Debian's systemd is the guest's pid 1 (installed on this host
# only as files: its own boot is not changed), and the tests run in a
# oneshot unit, as on a systemd host (runtime_systemd.sh needs it).
sd=0
if [ "${1:-}" = --systemd ]; then sd=1; shift; fi
if [ "${1:-}" = --all ]; then
  shift
  set -- "$here"/tests/integration/*.sh "$@"
fi
[ $# -gt 0 ] || { echo "usage: $0 [-B BUILD_DIR] [--systemd] --all | TEST.sh ..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "vm-test: needs root (the guest's tests run as root over a passthrough 9p share)" >&2; exit 2; }
[ "$(uname -m)" = x86_64 ] || { echo "vm-test: x86_64 only" >&2; exit 2; }
tests=()
for t in "$@"; do tests+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t")"); done
# The guest mounts fresh tmpfs on /tmp and /run: what lives there on the
# host is not what the guest would see.
for d in "$build" "$here" "${tests[@]}"; do
  case $d in /tmp|/tmp/*|/run|/run/*)
    echo "vm-test: $d is under /tmp or /run, which the guest replaces with an empty tmpfs: keep the source and the build dir (-B) elsewhere" >&2
    exit 2 ;;
  esac
done
cache=$build/vm
mkdir -p "$cache"

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v objcopy >/dev/null || need+=(binutils)
command -v xz >/dev/null || need+=(xz-utils)
if ((${#need[@]})); then
  echo "vm-test: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The kernel package linux-image-amd64 points at, unpacked once.
pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
[ -n "$pkg" ] || { echo "vm-test: apt knows no linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kroot=$cache/$pkg
if [ ! -d "$kroot/boot" ]; then
  (cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" && dpkg-deb -x "$pkg"_*.deb "$kroot.tmp" &&
   rm -f "$pkg"_*.deb && mv "$kroot.tmp" "$kroot")
fi
kver=${pkg#linux-image-}
vmlinuz=$kroot/boot/vmlinuz-$kver
moddir=$kroot/lib/modules/$kver

# initramfs: busybox, the modules the tests need (with their dependencies,
# read from each module's .modinfo) and an init that switches to the host's
# root over 9p.
initrd=$cache/initrd-$kver-sd3.gz
if [ ! -f "$initrd" ]; then
  stage=$(mktemp -d "$cache/initrd.XXXXXX")
  mkdir -p "$stage"/{bin,mods,proc,sys,dev,host}
  cp /bin/busybox "$stage/bin/"
  declare -A modpath=() seen=()
  order=()
  while IFS= read -r f; do
    n=$(basename "$f"); n=${n%.xz}; n=${n%.ko}; modpath[${n//-/_}]=$f
  done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz')
  add_module() {
    local n=${1//-/_} d
    [ -z "${seen[$n]:-}" ] || return 0
    seen[$n]=1
    [ -n "${modpath[$n]:-}" ] || return 0  # built in
    case ${modpath[$n]} in
      *.xz) xz -dc "${modpath[$n]}" >"$stage/mods/$n.ko" ;;
      *) cp "${modpath[$n]}" "$stage/mods/$n.ko" ;;
    esac
    for d in $(objcopy -O binary --only-section=.modinfo "$stage/mods/$n.ko" /dev/stdout |
               tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
      add_module "$d"
    done
    order+=("$n")
  }
  # Filesystems, and all of netfilter and the bridge for the zones' networks.
  for m in crc32c_generic virtio_pci 9pnet_virtio 9p overlay loop ext4 quota_v2 xfs btrfs veth bridge \
           $(find "$moddir/kernel/net/netfilter" "$moddir/kernel/net/bridge" "$moddir/kernel/net/ipv4/netfilter" \
                  "$moddir/kernel/net/ipv6/netfilter" -name '*.ko*' -printf '%f\n' | sed 's/\.ko.*//'); do
    add_module "$m"
  done
  printf '%s\n' "${order[@]}" >"$stage/modules.order"
  cat >"$stage/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod /mods/$m.ko 2>/dev/null; done  # a few odd helpers refuse
run=$(sed -n 's/.*zkvm=\([^ ]*\).*/\1/p' /proc/cmdline)
mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose,msize=512000,ro host /host ||
  { echo "vm-test: cannot mount the host's root"; echo o >/proc/sysrq-trigger; }
units=$(sed -n 's/.*zkunits=\([^ ]*\).*/\1/p' /proc/cmdline)
for d in proc sys dev; do mount --move /$d /host/$d; done
# systemd finds the test's unit in its own directory, before its defaults.
# (It takes the unit from its arguments: the shared root has /.dockerenv,
# so systemd believes it runs in a container and ignores /proc/cmdline.)
[ -n "$units" ] && exec env SYSTEMD_UNIT_PATH="$units:" switch_root /host /lib/systemd/systemd --unit=zk-test.service
exec switch_root /host /bin/bash "$run"
EOF
  chmod +x "$stage/init"
  (cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$initrd.tmp")
  mv "$initrd.tmp" "$initrd"
  rm -rf "$stage"
fi

# What the guest runs once on the host's root.
run=$cache/guest-run.sh
{
  echo '#!/bin/bash'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  if [ $sd = 1 ]; then
    # systemd mounted /run, /dev/pts, /dev/shm and cgroup2 itself.
    echo 'mount -t tmpfs -o mode=1777 tmp /tmp'
    echo 'echo "vm-test: pid 1 is $(cat /proc/1/comm)"'
  else
    echo 'mount -t tmpfs -o mode=1777 tmp /tmp; mount -t tmpfs run /run'
    echo 'mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs shm /dev/shm'
    echo 'ln -s /proc/self/fd /dev/fd; for i in 0 1 2; do ln -s /proc/self/fd/$i /dev/$(echo stdin stdout stderr | cut -d" " -f$((i + 1))); done'
    echo 'mount -t cgroup2 cgroup2 /sys/fs/cgroup'
  fi
  echo 'echo "vm-test: kernel $(uname -r)"'
  for t in "${tests[@]}"; do
    printf 'ZK_SLOW=1 ZK_STORE_FS=%q ZK_BUILD=%q ZK_SOURCE=%q bash %q; echo "vm-test: result %s $?"\n' \
      "${ZK_STORE_FS:-ext4}" "$build" "$here" "$t" "$(basename "$t")"
  done
  echo 'sync; echo o >/proc/sysrq-trigger; read -r -t 60 _ </dev/console'
} >"$run"

append="console=ttyS0 panic=-1 rdinit=/init quiet zkvm=$run"
if [ $sd = 1 ]; then
  [ -x /lib/systemd/systemd ] && [ -x /usr/bin/dbus-daemon ] || "$here/scripts/install-deps.sh" --vm-systemd
  units=$cache/units
  mkdir -p "$units"
  # The whole boot: this unit (no default dependencies: the read-only
  # shared root would fail half of a normal boot) and the system bus.
  cat >"$units/zk-test.service" <<UNIT
[Unit]
Description=zonekit tests under systemd
DefaultDependencies=no
Wants=dbus.socket
After=dbus.socket
[Service]
Type=oneshot
ExecStart=/bin/bash $run
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
UNIT
  append+=" zkunits=$units systemd.unit=zk-test.service systemd.show_status=0"
fi
log=$cache/console.log
# Emulation runs a test in ~1.5 minutes; the slowest take ~10.
timeout "${ZK_VM_TIMEOUT:-$((900 + 600 * ${#tests[@]}))}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 4096 -smp 2 \
  -display none -monitor none -serial stdio -no-reboot -nic none \
  -kernel "$vmlinuz" -initrd "$initrd" -append "$append" \
  -virtfs local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap \
  </dev/null | tee "$log" || true

rc=0 ran=0 skipped=0
while read -r _ _ name status; do
  ran=$((ran + 1))
  case $status in
    0) ;;
    77) skipped=$((skipped + 1)) ;;
    *) echo "vm-test: $name failed ($status)" >&2; rc=1 ;;
  esac
done < <(grep -a '^vm-test: result ' "$log" | tr -d '\r')
if [ "$ran" -ne ${#tests[@]} ]; then echo "vm-test: only $ran of ${#tests[@]} tests finished (see $log)" >&2; exit 1; fi
[ $rc -eq 0 ] && [ "$skipped" -eq "$ran" ] && rc=77
exit $rc
