#!/usr/bin/env bash
# zlogin with no command (issue 13): like ssh without -t, a stdin that is
# not a terminal gets no pty; the zone's shell reads the pipe and zlogin
# exits with its status at EOF. Checked with busybox ash in an image zone
# (which never exited on a pty fed by a pipe) and dash in a sparse zone.
# -t still forces a pty.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"

mkimage_rootfs "$ZK_TMP/rootfs" >/dev/null || { echo "SKIP: busybox-static missing" >&2; exit 77; }
mkimage_targz "$ZK_TMP/rootfs" "$ZK_TMP/bb.tar.gz" >/dev/null
img=$(imgadm import "$ZK_TMP/bb.tar.gz" --name bb --version 1)
printf '{"alias": "bb1", "image_uuid": "%s"}\n' "$img" | zoneadm create -f - >/dev/null
echo '{"alias": "sp1"}' | zoneadm create -f - >/dev/null
zoneadm boot bb1
zoneadm boot sp1
expect_eq "$(zlogin bb1 readlink /bin/sh)" busybox "bb1's shell is busybox ash"

for z in bb1 sp1; do
  name=$(zlogin $z hostname)
  expect_eq "$(echo hostname | timeout 10 zlogin $z 2>&1)" "$name" "$z: echo hostname | zlogin $z"
  expect_rc 0 timeout 10 zlogin $z </dev/null
  expect_eq "$(printf 'echo $0\nexit 7\n' | timeout 10 zlogin $z; echo "rc=$?")" "$(printf -- '-sh\nrc=7')" "$z: a login shell on the pipe, its status"
  expect_eq "$(echo 'test -t 0 && echo tty || echo pipe' | timeout 10 zlogin $z)" pipe "$z: no pty for a piped stdin"
  # -t forces one, even on a pipe.
  expect_eq "$(timeout 10 zlogin -t $z tty </dev/null | tr -d '\r')" /dev/pts/0 "$z: zlogin -t"
done

zoneadm delete bb1
zoneadm delete sp1
imgadm delete bb
