#!/usr/bin/env bash
# Test image builder: a tiny busybox rootfs from Debian's busybox-static,
# packed as a tar.gz or as a two-layer OCI image layout (the second layer
# adds etc/motd and whites out etc/removed). No network, no python.
#
# Source it and call the functions, or run it:
#   tests/lib/mkimage.sh rootfs DIR
#   tests/lib/mkimage.sh targz ROOTFS OUT.tar.gz
#   tests/lib/mkimage.sh oci ROOTFS OUTDIR [REF]       (REF default busybox:latest)

mkimage_busybox=${MKIMAGE_BUSYBOX:-/bin/busybox}

# mkimage_rootfs DIR: bin/busybox, a symlink per applet, a minimal etc/.
mkimage_rootfs() {
  local dir=$1 applet
  [ -x "$mkimage_busybox" ] || { echo "mkimage: $mkimage_busybox not found (apt-get install busybox-static)" >&2; return 1; }
  mkdir -p "$dir"/{bin,etc,dev,proc,sys,root,run,tmp,var/tmp}
  chmod 1777 "$dir/tmp" "$dir/var/tmp"
  chmod 0700 "$dir/root"
  cp "$mkimage_busybox" "$dir/bin/busybox"
  for applet in $("$mkimage_busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  printf 'ID=zonekit-busybox\nNAME="zonekit busybox test image"\n' >"$dir/etc/os-release"
  echo "this file is whited out by the OCI image's second layer" >"$dir/etc/removed"
}

# mkimage_targz ROOTFS OUT
mkimage_targz() {
  tar --numeric-owner -C "$1" -czf "$2" .
}

_mkimage_blob() {  # FILE LAYOUT -> moves FILE into blobs/sha256, prints its hex digest
  local hex
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  mv "$1" "$2/blobs/sha256/$hex"
  echo "$hex"
}

# mkimage_oci ROOTFS OUTDIR [REF]
mkimage_oci() {
  local rootfs=$1 out=$2 ref=${3:-busybox:latest} tmp l1 l2 d1 d2 cfg man s1 s2 scfg sman
  tmp=$(mktemp -d)
  mkdir -p "$out/blobs/sha256"
  tar --numeric-owner -C "$rootfs" -cf "$tmp/l1.tar" .
  mkdir -p "$tmp/upper/etc"
  echo "welcome to a zonekit image" >"$tmp/upper/etc/motd"
  : >"$tmp/upper/etc/.wh.removed"
  tar --numeric-owner --owner=0 --group=0 -C "$tmp/upper" -cf "$tmp/l2.tar" ./etc ./etc/motd ./etc/.wh.removed
  d1=$(sha256sum "$tmp/l1.tar" | cut -d' ' -f1)
  d2=$(sha256sum "$tmp/l2.tar" | cut -d' ' -f1)
  gzip -n "$tmp/l1.tar" "$tmp/l2.tar"
  s1=$(stat -c %s "$tmp/l1.tar.gz")
  s2=$(stat -c %s "$tmp/l2.tar.gz")
  l1=$(_mkimage_blob "$tmp/l1.tar.gz" "$out")
  l2=$(_mkimage_blob "$tmp/l2.tar.gz" "$out")
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]}}' \
    "$d1" "$d2" >"$tmp/config"
  scfg=$(stat -c %s "$tmp/config")
  cfg=$(_mkimage_blob "$tmp/config" "$out")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$cfg" "$scfg" "$l1" "$s1" "$l2" "$s2" >"$tmp/manifest"
  sman=$(stat -c %s "$tmp/manifest")
  man=$(_mkimage_blob "$tmp/manifest" "$out")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"},"platform":{"architecture":"amd64","os":"linux"}}]}' \
    "$man" "$sman" "$ref" >"$out/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
  rm -rf "$tmp"
  echo "sha256:$man"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cmd=${1:?usage: mkimage.sh rootfs DIR | targz ROOTFS OUT | oci ROOTFS OUTDIR [REF]}
  shift
  "mkimage_$cmd" "$@"
fi
