#!/usr/bin/env bash
# The first example of imgadm(8), read from the page itself and run as
# written, in a store that already holds another image: it must import the
# tarball, create the zone from that image (not from whichever uuid a
# listing prints first) and boot it.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed" >&2; exit 77; }

W=$ZK_TMP/work
mkdir -p "$W"
mkimage_rootfs "$W/rootfs"
mkimage_targz "$W/rootfs" "$W/other.tar.gz"
other=$(imgadm import "$W/other.tar.gz" --name other --version 1)
echo example >"$W/rootfs/etc/variant"
mkimage_targz "$W/rootfs" "$W/alpine-minirootfs.tar.gz"

# The first .Bd -literal block of EXAMPLES, as the reader sees it: mdoc's
# \e is a backslash, and "# " is the prompt.
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal/ { on = 1; next } on && /^\.Ed/ { exit } on { print }' \
  "$ZK_SOURCE/man/imgadm.8" | sed -e 's/\\e/\\/g' -e 's/^# //' >"$W/example.sh"
grep -q 'zoneadm create' "$W/example.sh" || zk_fail "the first example no longer creates a zone: $(cat "$W/example.sh")"
(cd "$W" && bash -eu example.sh) >"$W/out" 2>"$W/err" || zk_fail "example failed: $(cat "$W/out" "$W/err")"

uuid=$(imgadm list -H -p -o uuid,name | sed -n 's/^\([^:]*\):alpine$/\1/p')
[ -n "$uuid" ] && [ "$uuid" != "$other" ] || zk_fail "no alpine image: $(imgadm list)"
expect_eq "$(zoneadm list -H -o alias,brand,state)" "web02  image  running" "zone from the example"
expect_contains <(zoneadm get web02) "\"image_uuid\": \"$uuid\""
expect_eq "$(zlogin web02 cat /etc/variant)" example "the zone runs the example's image"
zoneadm halt web02
zoneadm delete web02
